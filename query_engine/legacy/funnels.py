"""Legacy funnel filter dicts (``insights/funnel/``, saved ``filters``) → ``FunnelsQuery``.

Seed-era keys: ``funnel_window_interval`` + ``funnel_window_interval_type``
(or ``_unit``; ``DAY``/``days``/``day`` all mean days), deprecated
``funnel_window_days``, ``exclusions`` with ``funnel_from_step``/``funnel_to_step``,
and ``breakdown_limit`` defaulting to 10 as the seed documents.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.legacy.trends import common_query, decode

LEGACY_BREAKDOWN_LIMIT = 10
FUNNEL_KEYS = {
    "funnel_viz_type": "funnelVizType",
    "funnel_order_type": "funnelOrderType",
    "breakdown_attribution_type": "breakdownAttributionType",
    "breakdown_attribution_value": "breakdownAttributionValue",
    "funnel_from_step": "funnelFromStep",
    "funnel_to_step": "funnelToStep",
    "bin_count": "binCount",
    "funnel_aggregate_by_hogql": "funnelAggregateByHogQL",
}


def window_unit(value: Any) -> str | None:
    """``DAY``, ``days`` and ``day`` are one unit."""
    if value in (None, ""):
        return None
    unit = str(value).strip().lower()
    return unit[:-1] if unit.endswith("s") else unit


def _exclusion(raw: Any, index: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise QueryError("Each exclusion must be an object.", attr=f"exclusions__{index}")
    is_action = (raw.get("type") or "events") == "actions"
    node: dict[str, Any] = {
        "kind": "FunnelExclusionActionsNode" if is_action else "FunnelExclusionEventsNode",
        "funnelFromStep": raw.get("funnel_from_step", raw.get("funnelFromStep", 0)),
        "funnelToStep": raw.get("funnel_to_step", raw.get("funnelToStep")),
        "properties": decode(raw.get("properties"), "exclusions__properties") or [],
        "name": raw.get("name"),
    }
    node["id" if is_action else "event"] = raw.get("id")
    return {k: v for k, v in node.items() if v is not None}


def _window(filters: dict[str, Any]) -> dict[str, Any]:
    interval = filters.get("funnel_window_interval")
    unit = window_unit(
        filters.get("funnel_window_interval_unit") or filters.get("funnel_window_interval_type")
    )
    if interval in (None, "") and filters.get("funnel_window_days") not in (None, ""):
        interval, unit = filters["funnel_window_days"], "day"
    result = {"funnelWindowInterval": interval, "funnelWindowIntervalUnit": unit}
    return {k: v for k, v in result.items() if v not in (None, "")}


def _breakdown(filters: dict[str, Any]) -> dict[str, Any] | None:
    breakdown = decode(filters.get("breakdown"), "breakdown")
    multi = decode(filters.get("breakdowns"), "breakdowns")
    if breakdown in (None, "", []) and not multi:
        return None
    kind = filters.get("breakdown_type") or "event"
    result = {
        "breakdown": breakdown,
        "breakdowns": multi,
        "breakdown_type": "event" if kind == "events" else kind,
        "breakdown_group_type_index": filters.get("breakdown_group_type_index"),
        "breakdown_limit": filters.get("breakdown_limit") or LEGACY_BREAKDOWN_LIMIT,
        "breakdown_normalize_url": filters.get("breakdown_normalize_url"),
    }
    return {k: v for k, v in result.items() if v not in (None, "", [])}


def funnels_query(filters: dict[str, Any]) -> dict[str, Any]:
    query = common_query(filters, "FunnelsQuery")
    funnels = {new: filters[old] for old, new in FUNNEL_KEYS.items() if filters.get(old) not in (None, "")}
    if "funnelVizType" not in funnels and filters.get("display") == "ActionsLineGraph":
        funnels["funnelVizType"] = "trends"  # historic: a line graph funnel is a trends funnel
    funnels.update(_window(filters))
    exclusions = decode(filters.get("exclusions"), "exclusions") or []
    if not isinstance(exclusions, list):
        raise QueryError("exclusions must be a list.", attr="exclusions")
    if exclusions:
        funnels["exclusions"] = [_exclusion(x, i) for i, x in enumerate(exclusions)]
    query["funnelsFilter"] = funnels
    breakdown = _breakdown(filters)
    if breakdown:
        query["breakdownFilter"] = breakdown
    if filters.get("aggregation_group_type_index") not in (None, ""):
        query["aggregation_group_type_index"] = filters["aggregation_group_type_index"]
    return query


CORRELATION_KEYS = {
    "funnel_correlation_type": "funnelCorrelationType",
    "funnel_correlation_names": "funnelCorrelationNames",
    "funnel_correlation_exclude_names": "funnelCorrelationExcludeNames",
    "funnel_correlation_exclude_event_names": "funnelCorrelationExcludeEventNames",
    "funnel_correlation_event_names": "funnelCorrelationEventNames",
    "funnel_correlation_event_exclude_property_names": "funnelCorrelationEventExcludePropertyNames",
}


def correlation_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The funnel filter dict plus its ``funnel_correlation_*`` keys → ``FunnelCorrelationQuery``."""
    query: dict[str, Any] = {
        "kind": "FunnelCorrelationQuery",
        "source": {"kind": "FunnelsActorsQuery", "source": funnels_query(filters)},
    }
    for old, new in CORRELATION_KEYS.items():
        if filters.get(old) not in (None, ""):
            query[new] = decode(filters[old], old)
    return query
