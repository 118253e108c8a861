"""Legacy retention and paths filter dicts → ``RetentionQuery`` / ``PathsQuery`` nodes.

Seed-era defaults apply here (api.md §0.1 decision 6): retention
``total_intervals`` 11. As in the seed-era engine, a legacy retention window
is derived from ``date_to`` and ``total_intervals``; ``date_from`` is ignored.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.legacy.trends import decode, legacy_properties, truthy

LEGACY_TOTAL_INTERVALS = 11
PATHS_KEYS = {
    "start_point": "startPoint",
    "end_point": "endPoint",
    "step_limit": "stepLimit",
    "edge_limit": "edgeLimit",
    "min_edge_weight": "minEdgeWeight",
    "max_edge_weight": "maxEdgeWeight",
    "paths_hogql_expression": "pathsHogQLExpression",
}
PATHS_LIST_KEYS = {
    "include_event_types": "includeEventTypes",
    "exclude_events": "excludeEvents",
    "path_groupings": "pathGroupings",
    "local_path_cleaning_filters": "localPathCleaningFilters",
}


def _entity(value: Any, attr: str) -> dict[str, Any] | None:
    value = decode(value, attr)
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise QueryError(f"{attr} must be an object.", attr=attr)
    entity = {key: value.get(key) for key in ("id", "type", "name", "custom_name", "order")}
    entity["properties"] = decode(value.get("properties"), f"{attr}__properties") or []
    return {key: item for key, item in entity.items() if item is not None}


def _common(filters: dict[str, Any], kind: str) -> dict[str, Any]:
    query: dict[str, Any] = {"kind": kind, "filterTestAccounts": truthy(filters.get("filter_test_accounts"))}
    properties = legacy_properties(filters.get("properties"))
    if properties:
        query["properties"] = properties
    return query


def retention_query(filters: dict[str, Any]) -> dict[str, Any]:
    query = _common(filters, "RetentionQuery")
    retention: dict[str, Any] = {
        "targetEntity": _entity(filters.get("target_entity"), "target_entity"),
        "returningEntity": _entity(filters.get("returning_entity"), "returning_entity"),
        "retentionType": filters.get("retention_type") or None,
        # Older clients sent "day"/"week"; the node takes "Day"/"Week".
        "period": str(filters["period"]).capitalize() if filters.get("period") else None,
        "totalIntervals": filters.get("total_intervals") or LEGACY_TOTAL_INTERVALS,
        "retentionReference": filters.get("retention_reference") or None,
    }
    query["retentionFilter"] = {key: value for key, value in retention.items() if value is not None}
    if filters.get("date_to"):
        query["dateRange"] = {"date_to": filters["date_to"]}
    breakdown = decode(filters.get("breakdown"), "breakdown")
    if breakdown not in (None, "", []):
        kind = filters.get("breakdown_type") or "event"
        query["breakdownFilter"] = {
            "breakdown": breakdown,
            "breakdown_type": "event" if kind == "events" else kind,
            "breakdown_group_type_index": filters.get("breakdown_group_type_index"),
            "breakdown_limit": filters.get("breakdown_limit"),
        }
    if filters.get("aggregation_group_type_index") not in (None, ""):
        query["aggregation_group_type_index"] = filters["aggregation_group_type_index"]
    return query


def paths_query(filters: dict[str, Any]) -> dict[str, Any]:
    query = _common(filters, "PathsQuery")
    paths: dict[str, Any] = {
        new: filters[old] for old, new in PATHS_KEYS.items() if filters.get(old) not in (None, "")
    }
    for old, new in PATHS_LIST_KEYS.items():
        value = decode(filters.get(old), old)
        if value not in (None, ""):
            paths[new] = value
    if "includeEventTypes" not in paths and filters.get("path_type"):
        # Pre-2021 clients sent one ``path_type`` instead of a list.
        paths["includeEventTypes"] = [filters["path_type"]]
    if filters.get("path_replacements") not in (None, ""):
        paths["pathReplacements"] = truthy(filters["path_replacements"])
    query["pathsFilter"] = paths
    date_range = {key: filters.get(key) for key in ("date_from", "date_to") if filters.get(key)}
    if date_range:
        query["dateRange"] = date_range
    if filters.get("funnel_paths") or decode(filters.get("funnel_filter"), "funnel_filter"):
        query["funnelPathsFilter"] = {"funnelPathType": filters.get("funnel_paths")}
    if filters.get("aggregation_group_type_index") not in (None, ""):
        query["aggregation_group_type_index"] = filters["aggregation_group_type_index"]  # refused there
    return query
