"""The actors behind one lifecycle bar (``InsightActorsQuery`` over a ``LifecycleQuery``):
``day`` = the period, ``status`` = new / returning / resurrecting / dormant (either may be
left out to widen the set)."""

from __future__ import annotations

from typing import Any

from query_engine.dates import bucket_key
from query_engine.errors import QueryError
from query_engine.runners.actors.base import ActorsSql, parse_day
from query_engine.runners.common import window_for
from query_engine.runners.lifecycle.runner import STATUSES, LifecycleRunner
from query_engine.runners.lifecycle.sql import lifecycle_actors_query
from query_engine.team import TeamContext


def lifecycle_actors(team: TeamContext, selector: dict[str, Any]) -> ActorsSql:
    runner = LifecycleRunner(team=team, query=selector["source"])
    group = runner.spec.aggregation_group_type_index
    if group is None and runner.ctx.aggregate_by_distinct_id:
        raise QueryError("Actors need persons; this project counts distinct ids.", attr="source")
    status = selector.get("status")
    if status is not None and status not in STATUSES:
        raise QueryError(f"status must be one of {', '.join(STATUSES)}.", attr="source__status")
    window = window_for(runner.spec, runner.ctx, timeout_key=runner.timeout_key)
    # Without a day: every period of the window (the SQL reads one before it, for the rules).
    periods = [bucket_key(b) for b in window.buckets]
    if selector.get("day") is not None:
        wanted = parse_day(selector["day"], runner.ctx.tz, "source__day")
        if wanted not in window.buckets:
            raise QueryError(f"day {selector['day']!r} is not a period of the insight.", attr="source__day")
        periods = [bucket_key(wanted)]
    req, date_from = runner.request(window)
    sql, params = lifecycle_actors_query(req, date_from, periods, status, group)
    return ActorsSql(sql=sql, params=params, columns=("actor_id",), group_type_index=group)
