"""When a cached result goes stale, and the ages PostHog reports with it.

Pure code: "now" is always passed in. Each runner class names its rule
(``staleness``, see ``runners/base.py``); a kind without one is judged as a
plain query. A result is stale once
``now > last_refresh + threshold(interval)``; the default thresholds decide
"very fresh", the lazy ones (used by ``lazy_async``) "somewhat fresh". A result
whose date range ended well before it was computed never goes stale.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from query_engine.nodes import unwrap
from query_engine.runners.base import Staleness
from query_engine.runners.registry import runner_class

# A date range that ended this long before the computation counts as closed.
CLOSED_RANGE_MARGIN = timedelta(seconds=10)
INSIGHT_REFRESH = timedelta(minutes=15)
INSIGHT_REFRESH_SHORT = timedelta(minutes=3)
OTHER_REFRESH = timedelta(minutes=1)
SHORT_RANGE = timedelta(days=7)
RELATIVE = re.compile(r"^-?(?P<number>\d+)(?P<unit>[hdwmy])$")
UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 31, "y": 366}


class ThresholdMode(StrEnum):
    DEFAULT = "default"
    LAZY = "lazy"


# ``None`` is the interval of queries whose interval is not one of these keys.
THRESHOLDS: dict[ThresholdMode, dict[str | None, timedelta]] = {
    ThresholdMode.DEFAULT: {
        None: timedelta(hours=6),
        "minute": timedelta(minutes=5),
        "hour": timedelta(hours=1),
        "day": timedelta(hours=6),
        "week": timedelta(days=1),
        "month": timedelta(days=2),
    },
    ThresholdMode.LAZY: {
        None: timedelta(hours=12),
        "minute": timedelta(minutes=15),
        "hour": timedelta(hours=2),
        "day": timedelta(hours=12),
        "week": timedelta(days=1),
        "month": timedelta(days=2),
    },
}
# Intervals that exist but never go stale (no threshold).
UNTHRESHOLDED = frozenset({"second"})


def rule(node: dict[str, Any]) -> Staleness:
    """The staleness rule of the node's runner (``Staleness.QUERY`` for a kind with none)."""
    runner = runner_class(node.get("kind"))
    return getattr(runner, "staleness", Staleness.QUERY)


def query_interval(query: dict[str, Any]) -> str | None:
    """The interval staleness is judged by: minute for queries without a date range."""
    node = unwrap(query)
    found = rule(node)
    if found == Staleness.RETENTION_PERIOD:
        period = (node.get("retentionFilter") or {}).get("period") or "Day"
        return str(period).lower()
    if found == Staleness.INTERVAL or isinstance(node.get("dateRange"), dict):
        value = node.get("interval") or "day"
        return value if value in THRESHOLDS[ThresholdMode.DEFAULT] or value in UNTHRESHOLDED else None
    return "minute"


def threshold(interval: str | None, mode: ThresholdMode = ThresholdMode.DEFAULT) -> timedelta | None:
    if interval in UNTHRESHOLDED:
        return None
    table = THRESHOLDS[mode]
    return table.get(interval, table[None])


def _parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


@dataclass(frozen=True)
class Freshness:
    """What a cached response needs for staleness: when and what it computed."""

    last_refresh: datetime
    interval: str | None
    date_to: datetime | None  # the resolved end of the range, when the runner reported it


def freshness(query: dict[str, Any], response: dict[str, Any]) -> Freshness | None:
    last_refresh = _parse_moment(response.get("last_refresh"))
    if last_refresh is None:
        return None
    resolved = response.get("resolved_date_range") or {}
    return Freshness(
        last_refresh=last_refresh,
        interval=query_interval(query),
        date_to=_parse_moment(resolved.get("date_to")) if isinstance(resolved, dict) else None,
    )


def is_stale(fresh: Freshness, *, now: datetime, mode: ThresholdMode = ThresholdMode.DEFAULT) -> bool:
    if fresh.date_to is not None and fresh.date_to < fresh.last_refresh - CLOSED_RANGE_MARGIN:
        return False
    limit = threshold(fresh.interval, mode)
    if limit is None:
        return False
    return now > fresh.last_refresh + limit


def cache_target_age(query: dict[str, Any], last_refresh: datetime) -> datetime | None:
    interval = query_interval(query)
    limit = threshold(interval)
    if limit is None or (interval is not None and interval not in THRESHOLDS[ThresholdMode.DEFAULT]):
        return None
    return last_refresh + limit


def _range_days(node: dict[str, Any], resolved: dict[str, Any]) -> float | None:
    start, end = _parse_moment(resolved.get("date_from")), _parse_moment(resolved.get("date_to"))
    if start is not None and end is not None:
        return math.ceil((end - start).total_seconds() / 86400)
    date_range: dict[str, Any] = node["dateRange"] if isinstance(node.get("dateRange"), dict) else {}
    if date_range.get("date_to"):
        return None  # an explicit end: only the runner's resolved range says how long it is
    match = RELATIVE.match(str(date_range.get("date_from") or "-7d"))
    if not match:
        return None
    # "-7d" runs from the start of the day a week ago to the end of today: 8 calendar days.
    extra = 1 if match["unit"] in "dwmy" else 0
    return math.ceil(int(match["number"]) * UNIT_DAYS[match["unit"]]) + extra


def refresh_frequency(query: dict[str, Any], response: dict[str, Any]) -> timedelta:
    """How soon a client may ask again: 15 min for insights, 3 min for short ones, 1 min otherwise."""
    node = unwrap(query)
    if rule(node) == Staleness.QUERY:
        return OTHER_REFRESH
    if node.get("interval") == "hour":
        return INSIGHT_REFRESH_SHORT
    days = _range_days(node, response.get("resolved_date_range") or {})
    if days is not None and days <= SHORT_RANGE.days:
        return INSIGHT_REFRESH_SHORT
    return INSIGHT_REFRESH
