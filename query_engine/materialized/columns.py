"""Names and DDL of materialized property columns: pure, no I/O.

A hot event property gets a ``String`` column computed by ClickHouse on insert
(``MATERIALIZED``) from the same extraction ``json_value`` does at read time, with
NULL stored as ``''``: reading it back through ``nullIf(…, '')`` gives exactly the
value the JSON path gives, for every type (numbers and booleans as their JSON text,
``""``, ``null`` and a missing key all NULL). The column's comment names the key, so
the table itself is the catalog (``system.columns``), shared by every process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import orjson

TABLE = "events"
SOURCE = "properties"  # the events column whose keys may get their own column
PREFIX = "mat_"
# Keys a column may be made for: printable, bounded; the key reaches DDL as a quoted literal.
MAX_KEY_LENGTH = 200
_UNSAFE = re.compile(r"[^0-9A-Za-z_]")


class UnsuitableKey(ValueError):
    """A property key that never gets a column (empty, too long, control characters)."""


@dataclass(frozen=True)
class PropertyColumn:
    key: str
    column: str
    retired_at: float | None = None  # set once retired: readers stop using it, then it is dropped

    @property
    def active(self) -> bool:
        return self.retired_at is None


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise UnsuitableKey(
            f"{key[:40]!r} cannot have a column: keys must be 1–{MAX_KEY_LENGTH} printable characters"
        )
    return key


def column_name(key: str) -> str:
    """``mat_`` + a readable slug + a hash of the exact key (two keys never share a column)."""
    slug = _UNSAFE.sub("_", check_key(key))[:40]
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    return f"{PREFIX}{slug}_{digest}"


def literal(value: str) -> str:
    """A ClickHouse string literal (DDL cannot take bound parameters)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def comment(key: str, retired_at: float | None = None) -> str:
    body: dict[str, object] = {"property": key}
    if retired_at is not None:
        body["retired_at"] = retired_at
    return orjson.dumps(body).decode()


def parse_comment(column: str, text: str) -> PropertyColumn | None:
    """The catalog entry a column's comment describes; None for columns this module did not make."""
    if not column.startswith(PREFIX):
        return None
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    key = body.get("property") if isinstance(body, dict) else None
    if not isinstance(key, str):
        return None
    retired = body.get("retired_at")
    return PropertyColumn(key, column, float(retired) if isinstance(retired, int | float) else None)


def value_expression(key: str) -> str:
    """What the column stores: ``json_value``'s text, with NULL as ``''``."""
    return f"ifNull(JSONExtract({SOURCE}, {literal(check_key(key))}, 'Nullable(String)'), '')"


def _on_cluster(cluster: str | None) -> str:
    return f" ON CLUSTER {literal(cluster)}" if cluster else ""


def _tables(cluster: str | None) -> list[str]:
    # On a cluster the shards' tables store it, and the Distributed table must declare the same
    # MATERIALIZED column so inserts through it leave the column to the shards.
    return [f"sharded_{TABLE}", TABLE] if cluster else [TABLE]


def add_column(key: str, cluster: str | None = None) -> list[str]:
    name = column_name(key)
    spec = f"`{name}` String MATERIALIZED {value_expression(key)} COMMENT {literal(comment(key))}"
    on = _on_cluster(cluster)
    return [f"ALTER TABLE {table}{on} ADD COLUMN IF NOT EXISTS {spec}" for table in _tables(cluster)]


def fill_column(column: str, cluster: str | None = None) -> list[str]:
    """Write the column into the parts inserted before it existed (a background mutation).
    Until it finishes ClickHouse computes the value of those parts at read time, so reads
    are right at once."""
    table = _tables(cluster)[0]
    return [f"ALTER TABLE {table}{_on_cluster(cluster)} MATERIALIZE COLUMN `{_checked(column)}`"]


def set_retired(key: str, column: str, at: float | None, cluster: str | None = None) -> list[str]:
    """Retire the column (``at`` = when) or, with None, make it active again."""
    text = literal(comment(key, retired_at=at))
    return [
        f"ALTER TABLE {table}{_on_cluster(cluster)} COMMENT COLUMN `{_checked(column)}` {text}"
        for table in _tables(cluster)
    ]


def drop_column(column: str, cluster: str | None = None) -> list[str]:
    # The Distributed table first: a read through it must never name a column the shards lack.
    return [
        f"ALTER TABLE {table}{_on_cluster(cluster)} DROP COLUMN IF EXISTS `{_checked(column)}`"
        for table in reversed(_tables(cluster))
    ]


def _checked(column: str) -> str:
    if not column.startswith(PREFIX) or _UNSAFE.search(column):
        raise ValueError(f"not a property column: {column!r}")
    return column
