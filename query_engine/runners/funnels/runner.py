"""``FunnelsQuery`` runner: validate, compile, one ClickHouse query, shape the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.actions import load_actions
from query_engine.dates import DateWindow
from query_engine.model import ActionDef
from query_engine.runners.base import Staleness
from query_engine.runners.common import run_sql, window_for
from query_engine.runners.funnels.cohorts import cohort_results, restrict_to_cohort
from query_engine.runners.funnels.compile import compile_funnel
from query_engine.runners.funnels.queries import steps_query, time_to_convert_query, trends_query
from query_engine.runners.funnels.results import steps_result, time_to_convert_result, trends_result
from query_engine.runners.funnels.spec import FunnelSpec, funnel_spec
from query_engine.runners.funnels.sql import FunnelSQL
from query_engine.sql.params import Params
from query_engine.team import TeamContext


@dataclass
class Prepared:
    spec: FunnelSpec
    funnel: FunnelSQL
    params: Params
    window: DateWindow
    actions: dict[int, ActionDef]


def prepare(
    team: TeamContext, query: dict[str, Any], *, timeout_key: str, cohort: str | None = None
) -> Prepared:
    """Everything a funnel-based runner needs before it picks its outer query.

    A cohort breakdown is computed as one funnel per cohort: ``cohort`` (an id or ``all``)
    picks one; without it the funnel is computed over everyone, unbroken."""
    spec = funnel_spec(query)
    if spec.breakdown is not None and spec.breakdown.type == "cohort":
        spec = restrict_to_cohort(spec, cohort)
    context = team.started()
    window = window_for(spec, context, timeout_key=timeout_key)
    named = {f"series__{i}": s for i, s in enumerate(spec.series)}
    named |= {f"funnelsFilter__exclusions__{i}": x.series for i, x in enumerate(spec.exclusions)}
    actions = load_actions(context, named)
    funnel, params = compile_funnel(spec, context, window, actions)
    return Prepared(spec, funnel, params, window, actions)


class FunnelsRunner:
    """Computes a funnel's steps, conversion trends or time-to-convert histogram."""

    kind = "FunnelsQuery"
    timeout_key = "default"
    staleness = Staleness.INTERVAL
    legacy_insight: str | None = "FUNNELS"
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.team = team
        self.query = query

    def calculate(self) -> dict[str, Any]:
        spec = funnel_spec(self.query)
        if (
            spec.breakdown is not None
            and spec.breakdown.type == "cohort"
            and spec.viz_type != "time_to_convert"
        ):
            return cohort_results(
                team_id=self.team.id,
                values=spec.breakdown.properties,
                prepare=lambda value: prepare(
                    self.team, self.query, timeout_key=self.timeout_key, cohort=value
                ),
                rows=self._rows,
            )
        p = prepare(self.team, self.query, timeout_key=self.timeout_key)
        spec, funnel, params, window = p.spec, p.funnel, p.params, p.window
        to_step = spec.last_step if spec.to_step is None else spec.to_step
        if spec.viz_type == "trends":
            sql = trends_query(funnel, spec.from_step, to_step)
            results: Any = trends_result(self._rows(sql, params), spec, window)
        elif spec.viz_type == "time_to_convert":
            bins = params.add(spec.bin_count, "Int64") if spec.bin_count is not None else None
            sql = time_to_convert_query(funnel, spec.from_step, to_step, bins)
            results = time_to_convert_result(self._rows(sql, params))
        else:
            limit = params.add(spec.breakdown.limit, "Int64") if spec.breakdown else None
            results = steps_result(self._rows(steps_query(funnel, limit), params), spec, p.actions)
        return {
            "results": results,
            "timings": [],
            "resolved_date_range": {
                "date_from": window.date_from.isoformat(),
                "date_to": window.date_to.isoformat(),
            },
        }

    def _rows(self, sql: str, params: Params) -> list[dict[str, Any]]:
        return run_sql(sql, params.values, timeout_key=self.timeout_key).dicts()
