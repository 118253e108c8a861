"""What the shared/embedded insight page shows besides the numbers: which chart, which dates.

The page's script draws ``chart_kind`` from the insight's ``result``; the kind comes from the
saved query (``InsightVizNode`` source) or, for legacy insights, from ``filters``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

TRENDS_DISPLAYS = {
    "ActionsLineGraph": "line",
    "ActionsLineGraphCumulative": "cumulative",
    "ActionsAreaGraph": "area",
    "ActionsBar": "bar",
    "ActionsUnstackedBar": "bar",
    "ActionsStackedBar": "stacked-bar",
    "BoldNumber": "number",
    "ActionsPie": "pie",
    "ActionsBarValue": "bar-value",
    "ActionsTable": "table",
    "WorldMap": "table",
}
FUNNEL_VIZ = {"steps": "funnel-steps", "trends": "funnel-trends", "time_to_convert": "funnel-time-to-convert"}
QUERY_KINDS = {
    "RetentionQuery": "retention",
    "PathsQuery": "paths",
    "StickinessQuery": "stickiness",
    "LifecycleQuery": "lifecycle",
}
LEGACY_KINDS = {
    "RETENTION": "retention",
    "PATHS": "paths",
    "STICKINESS": "stickiness",
    "LIFECYCLE": "lifecycle",
}
RELATIVE = re.compile(r"^-(\d+)([hdwmqy])(Start)?$")
UNITS = {"h": "hour", "d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year"}
PERIODS = {"dStart": "Today", "wStart": "This week", "mStart": "This month", "yStart": "This year"}


def _source(insight: dict[str, Any]) -> dict[str, Any] | None:
    query = insight.get("query")
    if not isinstance(query, dict):
        return None
    source = (
        query.get("source") if query.get("kind") in ("InsightVizNode", "DataVisualizationNode") else query
    )
    return source if isinstance(source, dict) else None


def chart_kind(insight: dict[str, Any]) -> str:
    """``line``, ``bar``, ``pie``, ``funnel-steps``, ``retention``, … or ``unsupported``."""
    source = _source(insight)
    if source is not None:
        kind = source.get("kind")
        if kind == "TrendsQuery":
            display = (source.get("trendsFilter") or {}).get("display") or "ActionsLineGraph"
            return TRENDS_DISPLAYS.get(display, "line")
        if kind == "FunnelsQuery":
            viz = (source.get("funnelsFilter") or {}).get("funnelVizType") or "steps"
            return FUNNEL_VIZ.get(viz, "funnel-steps")
        return QUERY_KINDS.get(str(kind), "unsupported")
    filters = insight.get("filters") or {}
    legacy = str(filters.get("insight") or "TRENDS").upper()
    if legacy == "TRENDS":
        return TRENDS_DISPLAYS.get(filters.get("display") or "ActionsLineGraph", "line")
    if legacy == "FUNNELS":
        return FUNNEL_VIZ.get(filters.get("funnel_viz_type") or "steps", "funnel-steps")
    return LEGACY_KINDS.get(legacy, "unsupported")


def _parse_day(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _describe(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if value == "all":
        return "all time"
    if value in PERIODS:
        return PERIODS[value]
    match = RELATIVE.match(value)
    if match:
        count, unit = int(match.group(1)), UNITS[match.group(2)]
        return f"{count} {unit}{'s' if count != 1 else ''} ago"
    day = _parse_day(value)
    return f"{day.day} {day:%b %Y}" if day else value


def _range_bounds(insight: dict[str, Any]) -> tuple[Any, Any]:
    result = insight.get("result")
    # Trends answers carry the absolute range they computed.
    if isinstance(result, list) and result and isinstance(result[0], dict):
        applied = result[0].get("filter")
        if isinstance(applied, dict) and applied.get("date_from"):
            return applied.get("date_from"), applied.get("date_to")
    source = _source(insight)
    if source is not None:
        date_range = source.get("dateRange") or {}
        return date_range.get("date_from"), date_range.get("date_to")
    filters = insight.get("filters") or {}
    return filters.get("date_from"), filters.get("date_to")


def date_range_text(insight: dict[str, Any]) -> str:
    """``1 Jan 2024 – 7 Jan 2024``, ``Last 7 days``, ``All time``…"""
    date_from, date_to = _range_bounds(insight)
    match = RELATIVE.match(date_from) if isinstance(date_from, str) else None
    if match and not date_to and not match.group(3):
        count, unit = int(match.group(1)), UNITS[match.group(2)]
        return f"Last {count} {unit}{'s' if count != 1 else ''}"
    start, end = _describe(date_from), _describe(date_to)
    if start is None and end is None:
        return "Last 7 days"  # PostHog's default range for insights saved without one
    if start == "all time":
        return f"All time{f' until {end}' if end else ''}"
    if end is None:
        return f"{start[0].upper()}{start[1:]} until now" if start else ""
    if start is None:
        return f"Until {end}"
    return start if start == end else f"{start} – {end}"
