"""``FunnelSpec`` → ``FunnelSQL``: step, exclusion and filter conditions compiled with bound params."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from query_engine.dates import DateWindow
from query_engine.hogql.expressions import compile_expression
from query_engine.model import ActionDef, Series
from query_engine.runners.funnels.packing import packable
from query_engine.runners.funnels.spec import FunnelSpec
from query_engine.runners.funnels.sql import Exclusion, FunnelSQL
from query_engine.sql.context import bucket_expr
from query_engine.sql.events import (
    FilterContext,
    and_,
    entity_condition,
    events_source,
    filters_condition,
    person_id_expr,
    range_condition,
    team_condition,
    where,
)
from query_engine.sql.groups import group_column
from query_engine.sql.params import Params
from query_engine.sql.properties import normalized_url, property_value
from query_engine.sql.sessions import session_join
from query_engine.team import TeamContext


def _series_condition(
    series: Series, params: Params, ctx: FilterContext, actions: dict[int, ActionDef]
) -> str:
    entity = entity_condition(series, params, ctx, actions)
    props = filters_condition([series.properties], params, ctx)
    return and_(entity, props)


def _breakdown_exprs(spec: FunnelSpec, params: Params, tz: ZoneInfo) -> tuple[str, ...]:
    if spec.breakdown is None:
        return ()
    exprs = []
    for key in spec.breakdown.properties:
        value = property_value(spec.breakdown.type, key, params, tz, spec.breakdown.group_type_index)
        if spec.breakdown.normalize_url:
            value = normalized_url(value)
        exprs.append(value)
    return tuple(exprs)


def _where(
    spec: FunnelSpec, team: TeamContext, window: DateWindow, params: Params, ctx: FilterContext
) -> str:
    groups = team.property_groups(spec.properties, spec.filter_test_accounts)
    conditions = [
        team_condition(params, team.id),
        # Every step must lie inside the date range; the window does not extend past date_to.
        range_condition(params, window.date_from, window.date_to),
        filters_condition(groups, params, ctx),
    ]
    if spec.aggregation_group_type_index is not None:
        conditions.append(f"{group_column(spec.aggregation_group_type_index)} != ''")
    return where(*conditions)


def compile_funnel(
    spec: FunnelSpec, team: TeamContext, window: DateWindow, actions: dict[int, ActionDef]
) -> tuple[FunnelSQL, Params]:
    params = Params()
    ctx = FilterContext(team.tz, team.now or datetime.now(UTC), team.id)
    grouped = spec.aggregation_group_type_index is not None
    with_person = not grouped and not team.aggregate_by_distinct_id
    if spec.aggregate_by_hogql is not None:
        compiled = compile_expression(
            spec.aggregate_by_hogql,
            team,
            params,
            attr="funnelsFilter__funnelAggregateByHogQL",
            aggregate=False,
        )
        actor, with_person = compiled.sql, compiled.needs_person
    elif grouped:
        actor = group_column(spec.aggregation_group_type_index or 0)
    elif team.aggregate_by_distinct_id:
        actor = "events.distinct_id"
    else:
        actor = person_id_expr()
    source = events_source(params, team.id, with_person=with_person)
    if spec.breakdown is not None and spec.breakdown.type == "session":
        # Each step event's session fields (from all the session's events), NULL without one.
        source += "\n" + session_join(params, team.id, window.date_from, window.date_to)
    steps = tuple(_series_condition(s, params, ctx, actions) for s in spec.series)
    exclusions = tuple(
        Exclusion(_series_condition(x.series, params, ctx, actions), x.from_step, x.to_step)
        for x in spec.exclusions
    )
    funnel = FunnelSQL(
        steps=steps,
        source=source,
        where=_where(spec, team, window, params, ctx),
        actor=actor,
        window=params.add(float(spec.window_seconds), "Float64"),
        order=spec.order,
        exclusions=exclusions,
        breakdown=_breakdown_exprs(spec, params, team.tz),
        attribution=spec.attribution if spec.breakdown else "first_touch",
        attribution_step=spec.attribution_step,
        period=bucket_expr(params, spec.interval, team.tz, team.week_start_day)
        if spec.viz_type == "trends"
        else None,
        packed=packable(spec),
    )
    return funnel, params
