"""What every series-based insight shares in SQL: the series request, its actor and WHERE clause.

Trends (``runners/trends/sql.py``), stickiness and lifecycle build their
statements from these, so filters, actions and test accounts behave the same
in all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from query_engine.model import BREAKDOWN_NULL, ActionDef, Breakdown, PropertyGroup, Series
from query_engine.sql.events import (
    FilterContext,
    entity_condition,
    filters_condition,
    person_id_expr,
    range_condition,
    team_condition,
    where,
)
from query_engine.sql.groups import GROUP_INDEXES, group_column
from query_engine.sql.params import Params
from query_engine.sql.properties import normalized_url, property_value
from query_engine.team import TeamContext

QUANTILES = {"median": "0.5", "p75": "0.75", "p90": "0.9", "p95": "0.95", "p99": "0.99"}
PLAIN_AGGREGATES = {"sum": "sum", "avg": "avg", "min": "min", "max": "max"}


@dataclass(frozen=True)
class SeriesRequest:
    """Everything one series query needs; built by the trends, stickiness and lifecycle runners."""

    series: Series
    team: TeamContext
    interval: str
    date_from: datetime  # event filter start (already interval-aligned)
    date_to: datetime
    buckets_utc: tuple[datetime, ...] = ()
    filters: tuple[PropertyGroup, ...] = ()
    breakdown: Breakdown | None = None
    total_value: bool = False
    cumulative: bool = False
    actions: dict[int, ActionDef] = field(default_factory=dict)
    # Histogram breakdowns: the bin edges found by the runner (``histogram_edges_query``).
    histogram_edges: tuple[float, ...] = ()


def actor_expr(req: SeriesRequest) -> str:
    index = req.series.math_group_type_index
    if req.series.math == "unique_group" and index is not None and index in GROUP_INDEXES:
        return group_column(index)
    if req.team.aggregate_by_distinct_id:
        return "events.distinct_id"
    return person_id_expr()


def needs_person(req: SeriesRequest) -> bool:
    math = req.series.math
    if math == "hogql":
        return True  # the expression may read person_id
    if math in ("total", "unique_session", "unique_group") or math in PLAIN_AGGREGATES or math in QUANTILES:
        return False
    return not req.team.aggregate_by_distinct_id


def _breakdown_value(
    prop: str, kind: str, normalize_url: bool, params: Params, tz: ZoneInfo | None, group_index: int | None
) -> str:
    value = property_value(kind, prop, params, tz, group_index)
    if normalize_url:
        value = normalized_url(value)
    return f"ifNull({value}, {params.add(BREAKDOWN_NULL)})"


def breakdown_expr(breakdown: Breakdown, params: Params, tz: ZoneInfo | None = None) -> str:
    """String value per event (null marker for missing); an array for multi-breakdowns."""
    index = breakdown.group_type_index  # group breakdowns are single (nodes.parse_breakdown)
    values = [_breakdown_value(prop, kind, norm, params, tz, index) for prop, kind, norm in breakdown.parts()]
    return f"[{', '.join(values)}]" if breakdown.multi else values[0]


def series_where(
    req: SeriesRequest,
    params: Params,
    date_from: datetime,
    *,
    with_filters: bool = True,
    extra: tuple[str, ...] = (),
) -> str:
    """The series' WHERE; ``extra`` conditions narrow it (an actors query's data point)."""
    ctx = FilterContext(req.team.tz, req.team.now or datetime.now(req.team.tz), req.team.id)
    conditions = [
        team_condition(params, req.team.id),
        range_condition(params, date_from, req.date_to),
        entity_condition(req.series, params, ctx, req.actions),
    ]
    if with_filters:
        conditions.append(filters_condition([*req.filters, req.series.properties], params, ctx))
    index = req.series.math_group_type_index
    if req.series.math == "unique_group" and index is not None and index in GROUP_INDEXES:
        conditions.append(f"{group_column(index)} != ''")
    return where(*conditions, *extra)
