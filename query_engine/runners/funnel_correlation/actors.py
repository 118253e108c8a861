"""The actors behind one funnel correlation row (``FunnelCorrelationActorsQuery``, actors.md §4).

``funnelCorrelationPersonConverted`` picks the row's success (true) or failure (false) column;
the row is an event (``funnelCorrelationPersonEntity``), an event with one property value (the
entity's ``properties``), or person property values (``funnelCorrelationPropertyValues``).
Rows come from the same span-joined SQL the counts are taken from (``sql.py``), so the list
has exactly ``success_count`` / ``failure_count`` actors."""

from __future__ import annotations

from typing import Any

import orjson

from query_engine.errors import QueryError
from query_engine.runners.actors.base import ActorsSql
from query_engine.runners.funnel_correlation.runner import DATETIME, _names, funnel_source
from query_engine.runners.funnel_correlation.sql import (
    event_actors_query,
    event_property_actors_query,
    person_property_actors_query,
)
from query_engine.runners.funnels.runner import Prepared, prepare
from query_engine.team import TeamContext

FIELDS = {
    "kind",
    "source",
    "funnelCorrelationPersonConverted",
    "funnelCorrelationPersonEntity",
    "funnelCorrelationPropertyValues",
    "includeRecordings",
    "modifiers",
    "response",
}
ENTITY = "source__funnelCorrelationPersonEntity"
VALUES = "source__funnelCorrelationPropertyValues"


def property_text(value: Any, attr: str) -> str:
    """A filter value as the text the correlation rows show (``Chrome``, ``5``, ``true``)."""
    if isinstance(value, list):
        if len(value) != 1:
            raise QueryError("A correlation property filter takes one value.", attr=attr)
        value = value[0]
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return orjson.dumps(value).decode()
    raise QueryError("A correlation property value must be text, a number or a boolean.", attr=attr)


def _pairs(filters: Any, kind: str, attr: str) -> list[tuple[str, str]]:
    """``[{key, value, operator: exact, type}]`` → (key, value text) pairs."""
    if not isinstance(filters, list) or not filters:
        raise QueryError("Expected a list of property filters.", attr=attr)
    pairs = []
    for index, item in enumerate(filters):
        here = f"{attr}__{index}"
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or "value" not in item:
            raise QueryError("Each property filter needs a key and a value.", attr=here)
        if (item.get("type") or kind) != kind:
            raise QueryError(f"Only {kind} property filters apply here.", attr=f"{here}__type")
        if (item.get("operator") or "exact") != "exact":
            raise QueryError("Only the exact operator applies here.", attr=f"{here}__operator")
        pairs.append((item["key"], property_text(item["value"], f"{here}__value")))
    return pairs


def _event(entity: Any) -> tuple[str, list[Any]]:
    """The entity's event name and property filters (``EventsNode`` or legacy ``{id, type}``)."""
    if not isinstance(entity, dict):
        raise QueryError("funnelCorrelationPersonEntity must be an event.", attr=ENTITY)
    if entity.get("kind") == "EventsNode":
        name = entity.get("event")
    elif entity.get("type", "events") == "events" and "kind" not in entity:
        name = entity.get("id")
    else:
        raise QueryError("Only event entities are correlated.", attr=ENTITY)
    if not isinstance(name, str) or not name:
        raise QueryError("The correlated entity needs an event name.", attr=ENTITY)
    properties = entity.get("properties") or []
    return name, properties


def correlation_actors(team: TeamContext, node: dict[str, Any]) -> ActorsSql:
    for name in sorted(node):
        if name not in FIELDS:
            raise QueryError(
                f"Unsupported field {name!r} for FunnelCorrelationActorsQuery.", attr=f"source__{name}"
            )
    query = node.get("source")
    if not isinstance(query, dict) or query.get("kind") != "FunnelCorrelationQuery":
        raise QueryError(
            "FunnelCorrelationActorsQuery needs a FunnelCorrelationQuery as source.", attr="source__source"
        )
    converted = node.get("funnelCorrelationPersonConverted")
    if not isinstance(converted, bool):
        raise QueryError(
            "funnelCorrelationPersonConverted must be true or false.",
            attr="source__funnelCorrelationPersonConverted",
        )
    prepared = prepare(team, funnel_source(query), timeout_key="default")
    spec = prepared.spec
    if spec.aggregation_group_type_index is not None or spec.aggregate_by_hogql is not None:
        raise QueryError("Group or HogQL actors are not supported yet.", attr="source__source__source")
    if team.aggregate_by_distinct_id:
        raise QueryError("Actors need persons; this project counts distinct ids.", attr="source")
    sql = _sql(query, node, prepared, converted)
    return ActorsSql(sql=sql, params=prepared.params.values, columns=("actor_id",))


def _sql(query: dict[str, Any], node: dict[str, Any], p: Prepared, converted: bool) -> str:
    params, funnel = p.params, p.funnel
    date_to = params.add(p.window.date_to, DATETIME)
    success = params.add(1 if converted else 0, "UInt8")
    values = node.get("funnelCorrelationPropertyValues")
    if values is not None:
        pairs = _pairs(values, "person", VALUES)
        bound = [(params.add(k), params.add(v)) for k, v in pairs]
        return person_property_actors_query(funnel, date_to, bound, success)
    if node.get("funnelCorrelationPersonEntity") is None:
        raise QueryError(
            "Give funnelCorrelationPersonEntity or funnelCorrelationPropertyValues.", attr=ENTITY
        )
    name, properties = _event(node["funnelCorrelationPersonEntity"])
    if not properties:
        # As the events rows: the funnel's own step events and the excluded names never count.
        step_events = [s.event for s in p.spec.series if s.kind == "events" and s.event]
        excluded = step_events + _names(
            query.get("funnelCorrelationExcludeEventNames"),
            "source__source__funnelCorrelationExcludeEventNames",
        )
        return event_actors_query(
            funnel, date_to, params.add(excluded, "Array(String)"), params.add(name), success
        )
    pairs = _pairs(properties, "event", f"{ENTITY}__properties")
    if len(pairs) != 1:
        raise QueryError("An event correlation row has one property value.", attr=f"{ENTITY}__properties")
    excluded_keys = _names(
        query.get("funnelCorrelationEventExcludePropertyNames"),
        "source__source__funnelCorrelationEventExcludePropertyNames",
    )
    ((key, value),) = pairs
    return event_property_actors_query(
        funnel,
        date_to,
        params.add([name], "Array(String)"),
        params.add(excluded_keys, "Array(String)"),
        (params.add(key), params.add(value)),
        success,
    )
