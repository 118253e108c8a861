"""Stickiness SQL: rows of (intervals_active, actors).

It reuses the shared series WHERE clause (``sql/series.py``) so filters,
actions and test accounts behave exactly as in trends.
"""

from __future__ import annotations

from query_engine.sql.context import bucket_expr
from query_engine.sql.events import events_source
from query_engine.sql.params import Params
from query_engine.sql.series import SeriesRequest, actor_expr, series_where

CRITERIA = {"gte": ">=", "lte": "<=", "exact": "="}


def _per_actor(req: SeriesRequest, operator: str, min_events: int, params: Params) -> str:
    """Rows (actor, intervals_active): in how many buckets each actor met the criterion."""
    bucket = bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day)
    source = events_source(params, req.team.id, with_person=not req.team.aggregate_by_distinct_id)
    if operator == "gte" and min_events <= 1:
        # Any event makes an interval count: one aggregation level is enough.
        return (
            f"SELECT {actor_expr(req)} AS actor, count(DISTINCT {bucket}) AS intervals_active\n"
            f"{source}\n{series_where(req, params, req.date_from)}\nGROUP BY actor"
        )
    threshold = params.add(min_events, "Int64")
    inner = (
        f"SELECT {actor_expr(req)} AS actor, {bucket} AS bucket_start, count() AS events_in_bucket\n"
        f"{source}\n"
        f"{series_where(req, params, req.date_from)}\n"
        f"GROUP BY actor, bucket_start\nHAVING events_in_bucket {CRITERIA[operator]} {threshold}"
    )
    return f"SELECT actor, count() AS intervals_active FROM (\n{inner}\n) GROUP BY actor"


def stickiness_query(req: SeriesRequest, operator: str, min_events: int) -> tuple[str, dict]:
    """Rows (intervals_active, actors): actors active in exactly k buckets."""
    params = Params()
    per_actor = _per_actor(req, operator, min_events, params)
    sql = f"SELECT intervals_active, count() AS actors FROM (\n{per_actor}\n) GROUP BY intervals_active"
    return sql, params.values


def stickiness_actors_query(
    req: SeriesRequest, operator: str, min_events: int, intervals: int, *, at_least: bool
) -> tuple[str, dict]:
    """Actors mode: the actors of the bar ``intervals`` (``at_least``: that many or more)."""
    params = Params(prefix="a")
    per_actor = _per_actor(req, operator, min_events, params)
    compare = ">=" if at_least else "="
    sql = (
        f"SELECT actor AS actor_id FROM (\n{per_actor}\n)"
        f" WHERE intervals_active {compare} {params.add(intervals, 'Int64')}"
    )
    return sql, params.values
