"""Lifecycle SQL: rows of (period, status, actors), the status rules computed in ClickHouse.

It reuses the shared series WHERE clause (``sql/series.py``) so filters,
actions and test accounts behave exactly as in trends.
"""

from __future__ import annotations

from datetime import datetime

from query_engine.sql.context import bucket_expr, format_bucket
from query_engine.sql.events import events_source
from query_engine.sql.groups import group_column, group_created_at
from query_engine.sql.json_values import event_property
from query_engine.sql.params import Params
from query_engine.sql.series import SeriesRequest, actor_expr, series_where

# Interval → "one interval" SQL; names come from this table only.
ONE_INTERVAL = {
    "minute": "toIntervalMinute(1)",
    "hour": "toIntervalHour(1)",
    "day": "toIntervalDay(1)",
    "week": "toIntervalWeek(1)",
    "month": "toIntervalMonth(1)",
}

# Per actor: every active period gets new / returning / resurrecting (compared
# with the previous active period, or the creation period for the first one),
# and every active period not followed by the next one adds a dormant entry
# one period later. ``epoch`` marks "no entry" and is filtered out.
STATUS_PAIRS = """arrayConcat(
    arrayMap((d, i) -> (d, multiIf(
        if(i = 1, created, active[i - 1]) = d, 'new',
        i > 1 AND active[i - 1] + {one} = d, 'returning',
        'resurrecting')), active, arrayEnumerate(active)),
    arrayFilter(x -> x.2 != '', arrayMap((d, i) -> if(
        i < length(active) AND active[i + 1] = d + {one}, (d, ''), (d + {one}, 'dormant')),
        active, arrayEnumerate(active)))
)"""


def _pairs_source(req: SeriesRequest, date_from: datetime, params: Params, group: int | None) -> str:
    """``FROM`` per-actor active periods ``ARRAY JOIN`` their (period, status) pairs.

    ``group``: the actors are the events' groups of that type (created when first
    identified) instead of persons; events without such a group are left out.
    """
    bucket = bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day)
    created_at = "events.person_created_at" if group is None else group_created_at(group, params)
    created = bucket_expr(
        params, req.interval, req.team.tz, req.team.week_start_day, column=f"min({created_at})"
    )
    if group is None:
        person_profile = event_property("$process_person_profile", params)
        actor, only = actor_expr(req), f"ifNull({person_profile} != 'false', 1)"
    else:
        actor, only = group_column(group), f"{group_column(group)} != ''"
    per_actor = (
        f"SELECT {actor} AS actor, arraySort(groupUniqArray({bucket})) AS active,\n"
        f"  {created} AS created\n"
        f"{events_source(params, req.team.id, with_person=group is None)}\n"
        f"{series_where(req, params, date_from)}\n"
        f"  AND {only}\n"
        "GROUP BY actor"
    )
    pairs = STATUS_PAIRS.format(one=ONE_INTERVAL[req.interval])
    return f"FROM (\n{per_actor}\n)\nARRAY JOIN {pairs} AS pair"


def lifecycle_query(req: SeriesRequest, date_from: datetime, group: int | None = None) -> tuple[str, dict]:
    """Rows (period text, status, actors) — engine.md §8, computed in ClickHouse.

    ``date_from`` is one interval before the first bucket so the first
    bucket's "returning" can be told apart from "resurrecting"; periods
    outside the window are dropped by the caller.
    """
    params = Params()
    source = _pairs_source(req, date_from, params, group)
    sql = (
        f"SELECT {format_bucket('pair.1')} AS period, pair.2 AS status, count() AS actors\n"
        f"{source}\nGROUP BY period, status"
    )
    return sql, params.values


def lifecycle_actors_query(
    req: SeriesRequest, date_from: datetime, periods: list[str], status: str | None, group: int | None = None
) -> tuple[str, dict]:
    """Actors mode: the actors with ``status`` (None: any) in one of ``periods`` (bucket keys)."""
    params = Params(prefix="a")
    source = _pairs_source(req, date_from, params, group)
    conditions = [f"has({params.add(periods, 'Array(String)')}, {format_bucket('pair.1')})"]
    if status is not None:
        conditions.append(f"pair.2 = {params.add(status)}")
    where = " AND ".join(conditions) or "1"
    sql = f"SELECT actor AS actor_id\n{source}\nWHERE {where}\nGROUP BY actor_id"
    return sql, params.values
