"""Pure SQL for funnel correlation over the funnel's per-actor results.

Every query starts from ``actors``: one row per actor who entered the
funnel, with ``success`` (reached the last step) and the time span
``(t0, t_end)`` in which their other events are looked at: after the
first step and before the last one, or before the conversion window
closes (at most the end of the date range) for actors who dropped off.
"""

from __future__ import annotations

from query_engine.runners.funnels.sql import FunnelSQL, actor_results
from query_engine.sql.properties import json_value


def actors_cte(funnel: FunnelSQL, date_to: str) -> str:
    last = funnel.n - 1
    return (
        f"SELECT aggregation_target, step_reached >= {last} AS success, timestamps[1] AS t0,\n"
        f"  if(success, timestamps[-1], least(t0 + {funnel.window},"
        f" toFloat64(toUnixTimestamp64Micro({date_to})) / 1000000)) AS t_end\n"
        f"FROM ({actor_results(funnel)})"
    )


def totals_query(funnel: FunnelSQL, date_to: str) -> str:
    return (
        f"WITH actors AS ({actors_cte(funnel, date_to)})\n"
        "SELECT countIf(success) AS success_total, countIf(NOT success) AS failure_total FROM actors"
    )


def _actor_events(funnel: FunnelSQL, extra_where: str, columns: str) -> str:
    return (
        f"SELECT {funnel.actor} AS actor, toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,"
        f" {columns}\n{funnel.source}\n{funnel.where}\n  AND {extra_where}"
    )


def _between(funnel: FunnelSQL, date_to: str, inner: str, group_by: str, select: str) -> str:
    return (
        f"WITH actors AS ({actors_cte(funnel, date_to)})\n"
        f"SELECT {select}, uniqIf(actor, success) AS success_count,\n"
        "  uniqIf(actor, NOT success) AS failure_count\n"
        f"FROM ({inner}) AS e\nINNER JOIN actors ON e.actor = actors.aggregation_target\n"
        f"WHERE e.t > actors.t0 AND e.t < actors.t_end\nGROUP BY {group_by}"
    )


def events_query(funnel: FunnelSQL, date_to: str, excluded_names: str) -> str:
    """Per event name: distinct successful and failed actors who did it in their span."""
    inner = _actor_events(funnel, f"events.event NOT IN {excluded_names}", "events.event AS name")
    return _between(funnel, date_to, inner, "name", "name")


def event_properties_query(funnel: FunnelSQL, date_to: str, event_names: str, excluded_keys: str) -> str:
    """Per (event, property, value) of the listed events."""
    columns = (
        "events.event AS name, arrayJoin(arrayFilter(kv -> kv.1 NOT IN "
        f"{excluded_keys}, JSONExtractKeysAndValuesRaw(events.properties))) AS kv"
    )
    inner = _actor_events(funnel, f"events.event IN {event_names}", columns)
    value = json_value("concat('{\"v\":', e.kv.2, '}')", "'v'")
    return _between(
        funnel,
        date_to,
        inner,
        "name, key, value",
        f"e.name AS name, e.kv.1 AS key, {value} AS value",
    )


def person_properties_query(
    funnel: FunnelSQL, date_to: str, names: str, all_names: bool, excluded: str
) -> str:
    """Per (person property, value): actors whose latest properties in range have it."""
    keys = "JSONExtractKeys(props)" if all_names else names
    value = json_value("props", "key")
    return (
        f"WITH actors AS ({actors_cte(funnel, date_to)}),\n"
        f"people AS (SELECT {funnel.actor} AS actor,\n"
        "  argMax(events.person_properties, events.timestamp) AS props\n"
        f"  {funnel.source}\n  {funnel.where}\n  GROUP BY actor)\n"
        f"SELECT key, {value} AS value, countIf(success) AS success_count,\n"
        "  countIf(NOT success) AS failure_count\n"
        "FROM people INNER JOIN actors ON people.actor = actors.aggregation_target\n"
        f"ARRAY JOIN {keys} AS key\nWHERE key NOT IN {excluded} AND value IS NOT NULL\nGROUP BY key, value"
    )
