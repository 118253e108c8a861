"""Legacy trends/stickiness/lifecycle filter dicts → query nodes (engine.md §0).

``actions`` then ``events`` are merged and stably sorted by ``order``; the
result's position is the series index (formula letters, ``action.order``).
"""

from __future__ import annotations

import json
from typing import Any

from query_engine.errors import QueryError

TRENDS_FILTER_KEYS = {"display": "display", "smoothing_intervals": "smoothingIntervals"}


def decode(value: Any, attr: str) -> Any:
    """Query-string values arrive as JSON text; bodies as JSON already."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            raise QueryError(f"{attr} is not valid JSON.", attr=attr) from None
    return value


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def legacy_properties(value: Any) -> Any:
    value = decode(value, "properties")
    if isinstance(value, list):
        return {"type": "AND", "values": [{"type": "AND", "values": value}]} if value else None
    return value or None


def _entity(raw: dict[str, Any], kind: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "kind": "ActionsNode" if kind == "actions" else "EventsNode",
        "name": raw.get("name"),
        "custom_name": raw.get("custom_name"),
        "math": raw.get("math"),
        "math_property": raw.get("math_property"),
        "math_property_type": raw.get("math_property_type"),
        "math_hogql": raw.get("math_hogql"),
        "math_group_type_index": raw.get("math_group_type_index"),
        "properties": decode(raw.get("properties"), "properties") or [],
    }
    if kind == "actions":
        node["id"] = raw.get("id")
    else:
        node["event"] = raw.get("id")
        if node["name"] is None:
            node["name"] = raw.get("id")
    return {k: v for k, v in node.items() if v is not None}


def legacy_series(filters: dict[str, Any]) -> list[dict[str, Any]]:
    entities: list[tuple[Any, dict[str, Any]]] = []
    for kind in ("actions", "events"):
        items = decode(filters.get(kind), kind) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise QueryError(f"{kind} must be a list of objects.", attr=kind)
        entities += [(i.get("order"), _entity(i, i.get("type") or kind)) for i in items]
    entities.sort(key=lambda pair: pair[0] if isinstance(pair[0], int) else -1)
    return [node for _, node in entities]


def _breakdown(filters: dict[str, Any]) -> dict[str, Any] | None:
    breakdown = decode(filters.get("breakdown"), "breakdown")
    if breakdown in (None, "", []):
        return None
    kind = filters.get("breakdown_type") or "event"
    result = {
        "breakdown": breakdown,
        "breakdown_type": "event" if kind == "events" else kind,
        "breakdown_group_type_index": filters.get("breakdown_group_type_index"),
        "breakdown_limit": filters.get("breakdown_limit"),
        "breakdown_hide_other_aggregation": filters.get("breakdown_hide_other_aggregation"),
        "breakdown_normalize_url": filters.get("breakdown_normalize_url"),
        "breakdown_histogram_bin_count": filters.get("breakdown_histogram_bin_count"),
    }
    return {k: v for k, v in result.items() if v is not None}


def common_query(filters: dict[str, Any], kind: str) -> dict[str, Any]:
    interval = filters.get("interval") or "day"
    date_range = {
        "date_from": filters.get("date_from"),
        "date_to": filters.get("date_to"),
        "explicitDate": truthy(filters.get("explicit_date")) or None,
    }
    query: dict[str, Any] = {
        "kind": kind,
        "series": legacy_series(filters),
        "interval": "hour" if interval == "minute" else interval,
        "dateRange": {k: v for k, v in date_range.items() if v is not None},
        "filterTestAccounts": truthy(filters.get("filter_test_accounts")),
    }
    properties = legacy_properties(filters.get("properties"))
    if properties:
        query["properties"] = properties
    if filters.get("aggregation_group_type_index") not in (None, ""):
        # Lifecycle aggregates by it; the other kinds refuse it (never silently persons).
        query["aggregation_group_type_index"] = filters["aggregation_group_type_index"]
    if truthy(filters.get("compare")):
        query["compareFilter"] = {"compare": True, "compare_to": filters.get("compare_to")}
    return query


def trends_query(filters: dict[str, Any]) -> dict[str, Any]:
    query = common_query(filters, "TrendsQuery")
    breakdown = _breakdown(filters)
    if breakdown:
        query["breakdownFilter"] = breakdown
    trends = {
        new: filters[old] for old, new in TRENDS_FILTER_KEYS.items() if filters.get(old) not in (None, "")
    }
    if filters.get("formula"):
        trends["formula"] = filters["formula"]
    if trends:
        query["trendsFilter"] = trends
    return query


def stickiness_query(filters: dict[str, Any]) -> dict[str, Any]:
    query = common_query(filters, "StickinessQuery")
    if filters.get("display") == "ActionsLineGraphCumulative":
        query["stickinessFilter"] = {"computedAs": "cumulative"}
    return query


def lifecycle_query(filters: dict[str, Any]) -> dict[str, Any]:
    query = common_query(filters, "LifecycleQuery")
    query["series"] = query["series"][:1]
    return query


def convert_trends(filters: dict[str, Any]) -> dict[str, Any]:
    shown_as = str(filters.get("shown_as") or "").lower()
    if shown_as == "stickiness":
        return stickiness_query(filters)
    if shown_as == "lifecycle":
        return lifecycle_query(filters)
    return trends_query(filters)
