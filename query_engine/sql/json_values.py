"""Reading one key of a properties column: the one way insights and HogQL read properties."""

from __future__ import annotations

from query_engine.materialized import catalog, usage
from query_engine.sql.params import Params


def json_value(column: str, key_placeholder: str) -> str:
    """Nullable(String) value of one JSON key: strings unescaped, other values as
    JSON text (``1``, ``true``), and both ``""`` and ``null``/missing → NULL.

    One parse of the document; the same text as PostHog's
    ``JSONExtractRaw`` + unquote, except that numbers come back normalised.
    """
    return f"nullIf(JSONExtract({column}, {key_placeholder}, 'Nullable(String)'), '')"


def event_property(key: str, params: Params, table: str | None = None) -> str:
    """The event property ``key`` as ``json_value`` reads it, from its own column when it has
    one (``query_engine/materialized``: the column stores the same text, NULL as ``''``).

    ``table`` qualifies the column (``events`` when other tables are joined). Every read is
    counted in the usage log that chooses the columns."""
    prefix = f"{table}." if table else ""
    if not isinstance(key, str):  # validation reports it; until then the JSON path as before
        return json_value(f"{prefix}properties", params.add(key))
    usage.record(key)
    column = catalog.active().get(key)
    if column is not None:
        return f"nullIf({prefix}`{column}`, '')"
    return json_value(f"{prefix}properties", params.add(key))
