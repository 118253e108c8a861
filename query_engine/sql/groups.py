"""Reading group properties: the latest ``groups`` row of the group an event names in ``$group_N``.

The project's groups of one type are read once per query (a scalar subquery: a map from
group key to the property's value), and each event looks its ``$group_N`` key up in it, so
any query over events can use a group property as an expression without a join. An event
without a group of that type, or whose group has no such property, reads NULL, as a
missing event property does.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.sql.json_values import json_value
from query_engine.sql.params import Params

GROUP_INDEXES = range(5)


def group_column(index: int, table: str = "") -> str:
    """The ``$group_N`` column of the events table (``table`` qualifies it in joins)."""
    return f"{table + '.' if table else ''}`$group_{index}`"


def group_index(value: Any, attr: str) -> int:
    """A group type index from a request: an integer 0..4, else a 400 naming ``attr``."""
    if isinstance(value, bool):
        value = None
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{attr.split('__')[-1]} must be a group type index (0 to 4).", attr=attr) from None
    if index not in GROUP_INDEXES or (isinstance(value, float) and not value.is_integer()):
        raise QueryError(f"{attr.split('__')[-1]} must be between 0 and 4.", attr=attr)
    return index


def group_property(key: str, index: int, params: Params) -> str:
    """Nullable(String) value of group property ``key`` for the event's group of type ``index``.

    Scoped by ``{team_id}``, the project parameter every events query binds
    (``sql.events.team_condition``), whichever fragment is built first.
    """
    value = json_value("argMax(group_properties, version)", params.add(key))
    lookup = _lookup(index, f"ifNull({value}, '')", params, having=" HAVING value != ''")
    return f"nullIf(arrayElement({lookup}, {group_column(index)}), '')"


def _lookup(index: int, value: str, params: Params, *, having: str = "") -> str:
    """Scalar subquery: a map from the project's group keys of type ``index`` to ``value``
    (an expression over a group's rows, grouped by key)."""
    groups = (
        f"SELECT group_key, {value} AS value FROM groups "
        f"WHERE team_id = {{team_id:Int64}} AND group_type_index = {params.add(index, 'UInt8')} "
        f"GROUP BY group_key{having}"
    )
    return f"(SELECT mapFromArrays(groupArray(group_key), groupArray(value)) FROM ({groups}))"


def group_created_at(index: int, params: Params) -> str:
    """When the event's group of type ``index`` was first identified (its ``groups`` row);
    1970-01-01 for a group never identified, so it never reads as new."""
    return f"arrayElement({_lookup(index, 'argMax(created_at, version)', params)}, {group_column(index)})"
