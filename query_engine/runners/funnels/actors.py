"""The actors behind one funnel step (``FunnelsActorsQuery``): ``funnelStep`` +k = reached
step k, −k = reached step k−1 but not k; ``funnelStepBreakdown`` restricts to one breakdown
value. Rows come from the same per-actor results the step counts are summed from
(``sql.actor_results``), so the list and the count agree."""

from __future__ import annotations

from typing import Any

from query_engine.dates import localize
from query_engine.errors import QueryError
from query_engine.runners.actors.base import ActorsSql, parse_day
from query_engine.runners.funnels.queries import trends_actors_query
from query_engine.runners.funnels.runner import Prepared, prepare
from query_engine.runners.funnels.spec import funnel_spec
from query_engine.runners.funnels.sql import FunnelSQL, actor_results
from query_engine.sql.params import Params
from query_engine.team import TeamContext

BREAKDOWN_ATTR = "source__funnelStepBreakdown"
FIELDS = {
    "kind",
    "source",
    "funnelStep",
    "funnelStepBreakdown",
    "funnelCustomSteps",
    "funnelTrendsDropOff",
    "funnelTrendsEntrancePeriodStart",
    "includeRecordings",
    "modifiers",
    "response",
}


def funnel_actors_query(funnel: FunnelSQL, params: Params, step: int, breakdown: list[str] | None) -> str:
    """Actors mode of the steps query: ``step`` as ``funnelStep`` (1-based, negative = dropped)."""
    reached = f"step_reached >= {params.add(step - 1, 'Int64')}"
    if step < 0:
        reached = f"step_reached = {params.add(-step - 2, 'Int64')}"
    conditions = [reached]
    if breakdown is not None:
        conditions.append(f"breakdown = {params.add(breakdown, 'Array(String)')}")
    return (
        f"SELECT aggregation_target AS actor_id\nFROM ({actor_results(funnel)})\n"
        f"WHERE {' AND '.join(conditions)}\nGROUP BY actor_id"
    )


def funnels_actors(team: TeamContext, node: dict[str, Any]) -> ActorsSql:
    for name in sorted(node):
        if name not in FIELDS:
            raise QueryError(f"Unsupported field {name!r} for FunnelsActorsQuery.", attr=f"source__{name}")
    source = node.get("source")
    if not isinstance(source, dict) or source.get("kind") != "FunnelsQuery":
        raise QueryError("FunnelsActorsQuery needs a FunnelsQuery as source.", attr="source__source")
    if node.get("funnelCustomSteps") is not None:
        raise QueryError("funnelCustomSteps is not supported yet.", attr="source__funnelCustomSteps")
    prepared = prepare(team, source, timeout_key="default")
    breakdown = node.get("funnelStepBreakdown")
    by_cohort = funnel_spec(source).breakdown
    if breakdown is not None and by_cohort is not None and by_cohort.type == "cohort":
        # One cohort's funnel: the value is its id (0 or "all": everyone).
        value = "all" if str(breakdown) in ("0", "all") else str(breakdown)
        if value not in by_cohort.properties:
            raise QueryError("funnelStepBreakdown is not a cohort of the funnel.", attr=BREAKDOWN_ATTR)
        prepared, breakdown = prepare(team, source, timeout_key="default", cohort=value), None
    spec = prepared.spec
    if spec.aggregate_by_hogql is not None:
        raise QueryError("HogQL actors are not supported yet.", attr="source__source")
    if spec.aggregation_group_type_index is None and team.aggregate_by_distinct_id:
        raise QueryError("Actors need persons; this project counts distinct ids.", attr="source")
    if spec.viz_type == "trends":
        return _trends_actors(team, node, prepared)
    if spec.viz_type != "steps":
        raise QueryError(
            f"Actors of a {spec.viz_type} funnel are not supported yet.", attr="source__source__funnelsFilter"
        )
    n = prepared.funnel.n
    step = node.get("funnelStep")
    if type(step) is not int or step == 0 or step > n or step < -n or step == -1:
        raise QueryError(
            f"funnelStep must be 1 to {n} (reached) or -2 to -{n} (dropped off).", attr="source__funnelStep"
        )
    values: list[str] | None = None
    if breakdown is not None:
        if spec.breakdown is None:
            raise QueryError("funnelStepBreakdown needs a funnel with a breakdown.", attr=BREAKDOWN_ATTR)
        values = [str(v) for v in breakdown] if isinstance(breakdown, list) else [str(breakdown)]
        if values == ["Other"]:
            raise QueryError("Actors of the Other breakdown are not supported yet.", attr=BREAKDOWN_ATTR)
    sql = funnel_actors_query(prepared.funnel, prepared.params, step, values)
    # Aggregated by group: the funnel's actors are the groups of that type (by key).
    group = spec.aggregation_group_type_index
    return ActorsSql(sql=sql, params=prepared.params.values, columns=("actor_id",), group_type_index=group)


def _trends_actors(team: TeamContext, node: dict[str, Any], prepared: Prepared) -> ActorsSql:
    """Funnel trends: the actors who entered in one period and converted (or dropped off)."""
    for name in ("funnelTrendsDropOff", "funnelTrendsEntrancePeriodStart"):
        if node.get(name) is None:
            raise QueryError(
                f"Actors parameter `{name}` must be provided for funnel trends persons!",
                attr=f"source__{name}",
            )
    drop_off = node["funnelTrendsDropOff"]
    if not isinstance(drop_off, bool):
        raise QueryError("funnelTrendsDropOff must be true or false.", attr="source__funnelTrendsDropOff")
    start = parse_day(
        node["funnelTrendsEntrancePeriodStart"], team.tz, "source__funnelTrendsEntrancePeriodStart"
    )
    if start not in prepared.window.buckets:
        raise QueryError(
            "funnelTrendsEntrancePeriodStart is not a period of the funnel.",
            attr="source__funnelTrendsEntrancePeriodStart",
        )
    if node.get("funnelStepBreakdown") is not None:
        raise QueryError("funnelStepBreakdown is not supported for funnel trends yet.", attr=BREAKDOWN_ATTR)
    spec, params = prepared.spec, prepared.params
    to_step = spec.last_step if spec.to_step is None else spec.to_step
    moment = int(localize(start, prepared.window.tz).timestamp())
    sql = trends_actors_query(
        prepared.funnel, spec.from_step, to_step, params.add(moment, "Int64"), drop_off, None
    )
    return ActorsSql(
        sql=sql,
        params=params.values,
        columns=("actor_id",),
        group_type_index=spec.aggregation_group_type_index,
    )
