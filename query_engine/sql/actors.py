"""SQL for actor-based insights: stickiness and lifecycle.

Both reuse the trends series WHERE clause (``series_where``) so filters,
actions and test accounts behave exactly as in trends.
"""

from __future__ import annotations

from datetime import datetime

from query_engine.sql.context import bucket_expr, format_bucket
from query_engine.sql.events import events_source
from query_engine.sql.params import Params
from query_engine.sql.properties import json_value
from query_engine.sql.trends import SeriesRequest, actor_expr, series_where

CRITERIA = {"gte": ">=", "lte": "<=", "exact": "="}


def stickiness_query(req: SeriesRequest, operator: str, min_events: int) -> tuple[str, dict]:
    """Rows (intervals_active, actors): actors active in exactly k buckets."""
    params = Params()
    bucket = bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day)
    threshold = params.add(min_events, "Int64")
    inner = (
        f"SELECT {actor_expr(req)} AS actor, {bucket} AS bucket_start, count() AS events_in_bucket\n"
        f"{events_source(params, req.team.id, with_person=not req.team.aggregate_by_distinct_id)}\n"
        f"{series_where(req, params, req.date_from)}\n"
        f"GROUP BY actor, bucket_start\nHAVING events_in_bucket {CRITERIA[operator]} {threshold}"
    )
    sql = (
        "SELECT intervals_active, count() AS actors FROM (\n"
        f"SELECT actor, count() AS intervals_active FROM (\n{inner}\n) GROUP BY actor\n"
        ") GROUP BY intervals_active ORDER BY intervals_active"
    )
    return sql, params.values


def lifecycle_query(req: SeriesRequest, date_from: datetime) -> tuple[str, dict]:
    """Rows (actor, [active bucket texts], created bucket text) for the window.

    ``date_from`` is one interval before the first bucket so the first
    bucket's "returning" can be told apart from "resurrecting".
    """
    params = Params()
    bucket = bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day)
    created = format_bucket(
        bucket_expr(
            params, req.interval, req.team.tz, req.team.week_start_day, column="min(events.person_created_at)"
        )
    )
    person_profile = json_value("properties", params.add("$process_person_profile"))
    sql = (
        f"SELECT {actor_expr(req)} AS actor, arraySort(groupUniqArray({format_bucket(bucket)})) AS active,\n"
        f"  {created} AS created\n"
        f"{events_source(params, req.team.id, with_person=True)}\n"
        f"{series_where(req, params, date_from)}\n"
        f"  AND ifNull({person_profile} != 'false', 1)\n"
        "GROUP BY actor"
    )
    return sql, params.values
