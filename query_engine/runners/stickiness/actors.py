"""The actors behind one stickiness bar (``InsightActorsQuery`` over a ``StickinessQuery``):
``day`` = k intervals (k or more when cumulative), ``series``, ``compare``."""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.runners.actors.base import ActorsSql, series_index
from query_engine.runners.common import previous_window, window_for
from query_engine.runners.stickiness.runner import StickinessRunner
from query_engine.runners.stickiness.sql import stickiness_actors_query
from query_engine.team import TeamContext


def stickiness_actors(team: TeamContext, selector: dict[str, Any]) -> ActorsSql:
    runner = StickinessRunner(team=team, query=selector["source"])
    spec = runner.spec
    if runner.ctx.aggregate_by_distinct_id:
        raise QueryError("Actors need persons; this project counts distinct ids.", attr="source")
    index = series_index(selector.get("series"), len(spec.series), "source__series")
    series = spec.series[index]
    if series.math == "unique_group":
        raise QueryError("Group actors are not supported yet.", attr=f"source__source__series__{index}__math")
    compare = selector.get("compare")
    if compare not in (None, "current", "previous") or (compare == "previous" and not spec.compare):
        raise QueryError(
            "compare must be 'current', or 'previous' for a comparing insight.", attr="source__compare"
        )
    window = window_for(spec, runner.ctx, timeout_key=runner.timeout_key)
    if compare == "previous":
        window = previous_window(spec, window, runner.ctx)
    day = selector.get("day")
    if type(day) is str and day.isdigit():
        day = int(day)
    if type(day) is not int or not 1 <= day <= len(window.buckets):
        raise QueryError(
            f"day must be a number of {spec.interval}s from 1 to {len(window.buckets)}.", attr="source__day"
        )
    sql, params = stickiness_actors_query(
        runner.request(series, window),
        spec.operator,
        spec.value,
        day,
        at_least=spec.computed_as == "cumulative",
    )
    return ActorsSql(sql=sql, params=params, columns=("actor_id",))
