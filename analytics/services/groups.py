"""A project's group types and groups in ClickHouse (``/groups_types/``, ``/groups/``).

A group's current state is its latest ``groups`` row (highest ``version``), a type's names
its latest ``group_type_names`` row; every read is scoped by the project and bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from analytics.ingestion.timestamps import clickhouse_datetime
from query_engine.backends import get_backend
from query_engine.runners.common import run_sql

# Reads answer clients: they run with the client query limits (time, memory, result rows).
TIMEOUT_KEY = "default"

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Autocomplete lists stop here (as PostHog's property values do at 20).
PROPERTY_VALUES_LIMIT = 20
PROPERTY_DEFINITIONS_LIMIT = 10_000

GROUP_TYPES_SQL = """
SELECT group_type, min(group_type_index) AS idx, toUnixTimestamp64Micro(min(created_at))
FROM group_type_mapping
WHERE team_id = {team_id:Int64}
GROUP BY group_type
ORDER BY idx, group_type
"""

GROUP_TYPE_NAMES_SQL = """
SELECT group_type_index, argMax(name_singular, updated_at), argMax(name_plural, updated_at)
FROM group_type_names
WHERE team_id = {team_id:Int64}
GROUP BY group_type_index
"""

# The latest state of each group of one type, newest first, filtered after the merge.
GROUPS_SQL = """
SELECT group_key, argMax(group_properties, version) AS props,
       toUnixTimestamp64Micro(argMax(created_at, version)) AS created
FROM groups
WHERE team_id = {{team_id:Int64}} AND group_type_index = {{index:UInt8}}{key_filter}
GROUP BY group_key
{having}
ORDER BY created DESC, group_key ASC
LIMIT {{limit:UInt64}} OFFSET {{offset:UInt64}}
"""

PROPERTY_DEFINITIONS_SQL = """
SELECT group_type_index, kv.1 AS key, count() AS n
FROM (
    SELECT group_type_index, group_key, argMax(group_properties, version) AS props
    FROM groups WHERE team_id = {team_id:Int64}
    GROUP BY group_type_index, group_key
)
ARRAY JOIN JSONExtractKeysAndValuesRaw(props) AS kv
GROUP BY group_type_index, key
ORDER BY group_type_index ASC, n DESC, key ASC
LIMIT {limit:UInt64}
"""

# Values as filters read them: strings unescaped, other JSON as its text, "" and null skipped.
PROPERTY_VALUES_SQL = """
SELECT value, count() AS n
FROM (
    SELECT nullIf(
        JSONExtract(argMax(group_properties, version), {{key:String}}, 'Nullable(String)'), ''
    ) AS value
    FROM groups
    WHERE team_id = {{team_id:Int64}} AND group_type_index = {{index:UInt8}}
    GROUP BY group_key
)
WHERE value IS NOT NULL{value_filter}
GROUP BY value
ORDER BY n DESC, value ASC
LIMIT {{limit:UInt64}}
"""


@dataclass(frozen=True)
class GroupType:
    group_type: str
    group_type_index: int
    created_at: datetime
    name_singular: str | None = None
    name_plural: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "group_type": self.group_type,
            "group_type_index": self.group_type_index,
            "name_singular": self.name_singular,
            "name_plural": self.name_plural,
            "detail_dashboard": None,
            "default_columns": None,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
        }


def _moment(micros: Any) -> datetime:
    return EPOCH + timedelta(microseconds=int(micros))


def _iso(micros: Any) -> str:
    return _moment(micros).isoformat().replace("+00:00", "Z")


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``\\ % _`` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def group_types(team_id: int) -> list[GroupType]:
    """The project's group types by index, with the names set through the API."""
    rows = run_sql(GROUP_TYPES_SQL, {"team_id": team_id}, timeout_key=TIMEOUT_KEY).rows
    names = group_type_names(team_id)
    types = []
    seen: set[int] = set()
    for group_type, index, created in rows:
        index = int(index)
        if index in seen:  # two names raced for one index: the first name keeps it
            continue
        seen.add(index)
        singular, plural = names.get(index, (None, None))
        types.append(
            GroupType(
                group_type=group_type,
                group_type_index=index,
                created_at=_moment(created),
                name_singular=singular,
                name_plural=plural,
            )
        )
    return types


def group_type_names(team_id: int) -> dict[int, tuple[str | None, str | None]]:
    """``(name_singular, name_plural)`` by group type index, as last set."""
    rows = run_sql(GROUP_TYPE_NAMES_SQL, {"team_id": team_id}, timeout_key=TIMEOUT_KEY).rows
    return {int(index): (singular, plural) for index, singular, plural in rows}


def set_group_type_names(team_id: int, updates: list[dict[str, Any]]) -> None:
    """Each update names a ``group_type_index`` and the names it sets (an omitted name keeps
    its value); one row per type, stamped now, supersedes the type's earlier rows."""
    current = group_type_names(team_id)
    merged: dict[int, dict[str, str | None]] = {}
    for update in updates:
        index = update["group_type_index"]
        singular, plural = current.get(index, (None, None))
        row = merged.setdefault(index, {"name_singular": singular, "name_plural": plural})
        row.update({k: update[k] for k in ("name_singular", "name_plural") if k in update})
    now = clickhouse_datetime(datetime.now(UTC))
    rows = [
        {"team_id": team_id, "group_type_index": index, **names, "updated_at": now}
        for index, names in merged.items()
    ]
    if rows:
        get_backend().insert_json_rows("group_type_names", rows)


def list_groups(
    team_id: int,
    index: int,
    *,
    search: str | None = None,
    key_contains: str | None = None,
    group_key: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Groups of type ``index``, newest first. ``search``: a property text contains it
    (case-insensitive) or the key equals it; ``key_contains``: the key contains it;
    ``group_key``: exactly that group."""
    params: dict[str, Any] = {"team_id": team_id, "index": index, "limit": limit, "offset": offset}
    key_filter = ""
    if key_contains:
        key_filter += " AND group_key ILIKE {key_like:String}"
        params["key_like"] = _like(key_contains)
    if group_key is not None:
        key_filter += " AND group_key = {group_key:String}"
        params["group_key"] = group_key
    having = ""
    if search:
        having = "HAVING props ILIKE {search_like:String} OR lower(group_key) = lower({search:String})"
        params.update(search_like=_like(search), search=search)
    sql = GROUPS_SQL.format(key_filter=key_filter, having=having)
    rows = run_sql(sql, params, timeout_key=TIMEOUT_KEY).rows
    return [
        {
            "group_type_index": index,
            "group_key": key,
            "group_properties": msgspec.json.decode(props or "{}"),
            "created_at": _iso(created),
        }
        for key, props, created in rows
    ]


def property_definitions(team_id: int) -> dict[str, list[dict[str, Any]]]:
    """Property names per group type index (as text), most common first."""
    params = {"team_id": team_id, "limit": PROPERTY_DEFINITIONS_LIMIT}
    result: dict[str, list[dict[str, Any]]] = {}
    for index, key, count in run_sql(PROPERTY_DEFINITIONS_SQL, params, timeout_key=TIMEOUT_KEY).rows:
        result.setdefault(str(index), []).append({"name": key, "count": int(count)})
    return result


def property_values(team_id: int, index: int, key: str, value: str | None = None) -> list[dict[str, Any]]:
    """The most common values of one property among the groups of a type."""
    params: dict[str, Any] = {"team_id": team_id, "index": index, "key": key, "limit": PROPERTY_VALUES_LIMIT}
    value_filter = ""
    if value:
        value_filter = " AND value ILIKE {value_like:String}"
        params["value_like"] = _like(value)
    sql = PROPERTY_VALUES_SQL.format(value_filter=value_filter)
    return [{"name": name, "count": int(n)} for name, n in run_sql(sql, params, timeout_key=TIMEOUT_KEY).rows]
