"""``TrendsQuery`` → ``TrendsSpec``: display, breakdown, formulas and smoothing on top of the series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError
from query_engine.model import Breakdown, Formula, SeriesSpec
from query_engine.nodes import integer, parse_breakdown, series_fields

TOTAL_VALUE_DISPLAYS = (
    "BoldNumber",
    "ActionsPie",
    "ActionsBarValue",
    "ActionsTable",
    "WorldMap",
    "CalendarHeatmap",
)
TIME_SERIES_DISPLAYS = (
    "ActionsLineGraph",
    "ActionsBar",
    "ActionsStackedBar",
    "ActionsUnstackedBar",
    "ActionsAreaGraph",
    "ActionsLineGraphCumulative",
)


@dataclass(frozen=True)
class TrendsSpec(SeriesSpec):
    display: str = "ActionsLineGraph"
    breakdown: Breakdown | None = None
    formulas: tuple[Formula, ...] = ()
    smoothing_intervals: int = 1


def _formulas(trends: dict[str, Any]) -> tuple[Formula, ...]:
    nodes = trends.get("formulaNodes")
    if nodes:
        return tuple(
            Formula(str(n.get("formula")), n.get("custom_name")) for n in nodes if isinstance(n, dict)
        )
    if trends.get("formulas"):
        return tuple(Formula(str(f)) for f in trends["formulas"] if f)
    if trends.get("formula"):
        return (Formula(str(trends["formula"])),)
    return ()


def trends_spec(query: dict[str, Any]) -> TrendsSpec:
    fields = series_fields(query, "TrendsQuery")
    trends = query.get("trendsFilter") or {}
    display = trends.get("display") or "ActionsLineGraph"
    if display not in TIME_SERIES_DISPLAYS + TOTAL_VALUE_DISPLAYS:
        raise QueryError(f"Unknown display {display!r}.", attr="trendsFilter__display")
    default_limit = 250 if display == "WorldMap" else 25
    smoothing = trends.get("smoothingIntervals")
    if display in TOTAL_VALUE_DISPLAYS:
        fields["interval"] = "day"
    return TrendsSpec(
        **fields,
        display=display,
        breakdown=parse_breakdown(
            query.get("breakdownFilter"), default_limit=default_limit, trends=True, cohorts=True
        ),
        formulas=_formulas(trends),
        smoothing_intervals=(
            1
            if smoothing in (None, "")
            else integer(smoothing, "trendsFilter__smoothingIntervals", minimum=1)
        ),
    )
