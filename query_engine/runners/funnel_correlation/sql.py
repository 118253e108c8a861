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


def _in_span(funnel: FunnelSQL, date_to: str, inner: str) -> str:
    """Each actor event (``e``) inside its actor's span, next to the actor's ``success``."""
    return (
        f"FROM ({inner}) AS e\nINNER JOIN actors ON e.actor = actors.aggregation_target\n"
        "WHERE e.t > actors.t0 AND e.t < actors.t_end"
    )


def _between(funnel: FunnelSQL, date_to: str, inner: str, group_by: str, select: str) -> str:
    return (
        f"WITH actors AS ({actors_cte(funnel, date_to)})\n"
        f"SELECT {select}, uniqIf(actor, success) AS success_count,\n"
        "  uniqIf(actor, NOT success) AS failure_count\n"
        f"{_in_span(funnel, date_to, inner)}\nGROUP BY {group_by}"
    )


def _span_actors(funnel: FunnelSQL, date_to: str, inner: str, converted: str, match: str) -> str:
    """Actors mode of ``_between``: the actors one row's success (or failure) count counts."""
    return (
        f"WITH actors AS ({actors_cte(funnel, date_to)})\n"
        f"SELECT e.actor AS actor_id\n{_in_span(funnel, date_to, inner)}\n"
        f"  AND actors.success = {converted} AND {match}\nGROUP BY actor_id"
    )


def _event_names(excluded_names: str) -> str:
    return f"events.event NOT IN {excluded_names}"


def events_query(funnel: FunnelSQL, date_to: str, excluded_names: str) -> str:
    """Per event name: distinct successful and failed actors who did it in their span."""
    inner = _actor_events(funnel, _event_names(excluded_names), "events.event AS name")
    return _between(funnel, date_to, inner, "name", "name")


def event_actors_query(
    funnel: FunnelSQL, date_to: str, excluded_names: str, name: str, converted: str
) -> str:
    """The actors of one ``events_query`` row (``name``), converted or not."""
    where = f"{_event_names(excluded_names)} AND events.event = {name}"
    inner = _actor_events(funnel, where, "events.event AS name")
    return _span_actors(funnel, date_to, inner, converted, "1")


def _property_events(funnel: FunnelSQL, event_names: str, excluded_keys: str) -> tuple[str, str]:
    columns = (
        "events.event AS name, arrayJoin(arrayFilter(kv -> kv.1 NOT IN "
        f"{excluded_keys}, JSONExtractKeysAndValuesRaw(events.properties))) AS kv"
    )
    inner = _actor_events(funnel, f"events.event IN {event_names}", columns)
    return inner, json_value("concat('{\"v\":', e.kv.2, '}')", "'v'")


def event_properties_query(funnel: FunnelSQL, date_to: str, event_names: str, excluded_keys: str) -> str:
    """Per (event, property, value) of the listed events."""
    inner, value = _property_events(funnel, event_names, excluded_keys)
    return _between(
        funnel,
        date_to,
        inner,
        "name, key, value",
        f"e.name AS name, e.kv.1 AS key, {value} AS value",
    )


def event_property_actors_query(
    funnel: FunnelSQL,
    date_to: str,
    event_names: str,
    excluded_keys: str,
    key_value: tuple[str, str],
    converted: str,
) -> str:
    """The actors of one ``event_properties_query`` row (an event of ``event_names``, one key = value)."""
    inner, value = _property_events(funnel, event_names, excluded_keys)
    key, wanted = key_value
    return _span_actors(funnel, date_to, inner, converted, f"e.kv.1 = {key} AND {value} = {wanted}")


def _people(funnel: FunnelSQL, date_to: str) -> str:
    return (
        f"WITH actors AS ({actors_cte(funnel, date_to)}),\n"
        f"people AS (SELECT {funnel.actor} AS actor,\n"
        "  argMax(events.person_properties, events.timestamp) AS props\n"
        f"  {funnel.source}\n  {funnel.where}\n  GROUP BY actor)\n"
    )


PEOPLE_JOIN = "FROM people INNER JOIN actors ON people.actor = actors.aggregation_target\n"


def person_properties_query(
    funnel: FunnelSQL, date_to: str, names: str, all_names: bool, excluded: str
) -> str:
    """Per (person property, value): actors whose latest properties in range have it."""
    keys = "JSONExtractKeys(props)" if all_names else names
    value = json_value("props", "key")
    return (
        f"{_people(funnel, date_to)}"
        f"SELECT key, {value} AS value, countIf(success) AS success_count,\n"
        "  countIf(NOT success) AS failure_count\n"
        f"{PEOPLE_JOIN}"
        f"ARRAY JOIN {keys} AS key\nWHERE key NOT IN {excluded} AND value IS NOT NULL\nGROUP BY key, value"
    )


def person_property_actors_query(
    funnel: FunnelSQL, date_to: str, key_values: list[tuple[str, str]], converted: str
) -> str:
    """The actors of ``person_properties_query`` rows: every ``key = value`` holds (one row: one pair)."""
    match = " AND ".join(f"{json_value('props', key)} = {value}" for key, value in key_values)
    return (
        f"{_people(funnel, date_to)}"
        f"SELECT actors.aggregation_target AS actor_id\n{PEOPLE_JOIN}"
        f"WHERE actors.success = {converted} AND {match}"
    )
