"""Reading one JSON key of a properties column: the one way insights and HogQL read properties."""

from __future__ import annotations


def json_value(column: str, key_placeholder: str) -> str:
    """Nullable(String) value of one JSON key: strings unescaped, other values as
    JSON text (``1``, ``true``), and both ``""`` and ``null``/missing → NULL.

    One parse of the document; the same text as PostHog's
    ``JSONExtractRaw`` + unquote, except that numbers come back normalised.
    """
    return f"nullIf(JSONExtract({column}, {key_placeholder}, 'Nullable(String)'), '')"
