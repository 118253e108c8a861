"""Trends: total count, daily active users, and a breakdown by browser."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from bench.framework import Case, Dataset

OVERRIDES = """LEFT JOIN (
    SELECT distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides WHERE team_id = {team:Int64}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0
) AS o ON e.distinct_id = o.distinct_id"""
RANGE = (
    "e.team_id = {team:Int64} AND e.event = '$pageview'"
    " AND e.timestamp >= {start:DateTime64(6)} AND e.timestamp <= {end:DateTime64(6)}"
)


def _params(ds: Dataset) -> dict[str, Any]:
    return {
        "team": ds.team_id,
        "start": datetime.combine(ds.first_day, time.min),
        "end": datetime.combine(ds.last_day, time.max),
    }


def _query(ds: Dataset, **extra: Any) -> tuple[str, str, dict[str, Any]]:
    node = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", **extra.pop("series", {})}],
        "dateRange": {"date_from": ds.first_day.isoformat(), "date_to": ds.last_day.isoformat()},
        **extra,
    }
    return "POST", "query/", {"query": node, "refresh": "force_blocking"}


def _days(ds: Dataset) -> list[str]:
    count = (ds.last_day - ds.first_day).days + 1
    return [(ds.first_day + timedelta(days=i)).isoformat() for i in range(count)]


def _series_answer(body: dict[str, Any]) -> dict[str, float]:
    [result] = body["results"]
    return {day: float(v) for day, v in zip(result["days"], result["data"], strict=True) if v}


def _rows_answer(rows: list[list[Any]]) -> dict[str, float]:
    return {str(day)[:10]: float(v) for day, v in rows if v}


def _breakdown_api(body: dict[str, Any]) -> dict[tuple[str, str], float]:
    return {
        (r["breakdown_value"], day): float(v)
        for r in body["results"]
        for day, v in zip(r["days"], r["data"], strict=True)
        if v
    }


def _breakdown_rows(rows: list[list[Any]]) -> dict[tuple[str, str], float]:
    return {(value, str(day)[:10]): float(v) for day, value, v in rows if v}


CASES = [
    Case(
        name="trends: total pageviews per day, 30 days",
        request=lambda ds: _query(ds),
        sql=lambda ds: (
            f"SELECT toDate(toStartOfDay(e.timestamp)) AS day, count() FROM events AS e WHERE {RANGE} "
            "GROUP BY day ORDER BY day",
            _params(ds),
        ),
        api_answer=_series_answer,
        sql_answer=_rows_answer,
        goal_ratio=1.2,
    ),
    Case(
        name="trends: daily active users (with person overrides), 30 days",
        request=lambda ds: _query(ds, series={"math": "dau"}),
        sql=lambda ds: (
            "SELECT toDate(toStartOfDay(e.timestamp)) AS day, "
            "uniqExact(if(o.distinct_id != '', o.override_person_id, e.person_id)) "
            f"FROM events AS e {OVERRIDES} WHERE {RANGE} GROUP BY day ORDER BY day",
            _params(ds),
        ),
        api_answer=_series_answer,
        sql_answer=_rows_answer,
        goal_ratio=1.2,
    ),
    Case(
        name="trends: pageviews by $browser (all values, no 'other'), 30 days",
        request=lambda ds: _query(ds, breakdownFilter={"breakdown": "$browser", "breakdown_limit": 1000}),
        sql=lambda ds: (
            "SELECT toDate(toStartOfDay(e.timestamp)) AS day, "
            "ifNull(nullIf(JSONExtractString(e.properties, '$browser'), ''),"
            " '$$_posthog_breakdown_null_$$') AS b, "
            f"count() FROM events AS e WHERE {RANGE} GROUP BY day, b",
            _params(ds),
        ),
        api_answer=_breakdown_api,
        sql_answer=_breakdown_rows,
        goal_ratio=1.2,
    ),
    Case(
        name="trends: weekly active users per day, 30 days",
        request=lambda ds: _query(ds, series={"math": "weekly_active"}),
        sql=lambda ds: (
            "SELECT day, uniqExact(person) FROM ("
            "SELECT arrayJoin(arrayMap(i -> toDate(toStartOfDay(e.timestamp)) + i, range(7))) AS day, "
            "if(o.distinct_id != '', o.override_person_id, e.person_id) AS person "
            f"FROM events AS e {OVERRIDES} WHERE e.team_id = {{team:Int64}} AND e.event = '$pageview' "
            "AND e.timestamp >= {start:DateTime64(6)} - INTERVAL 7 DAY AND e.timestamp <= {end:DateTime64(6)}"
            ") WHERE day >= toDate({start:DateTime64(6)}) AND day <= toDate({end:DateTime64(6)}) "
            "GROUP BY day ORDER BY day",
            _params(ds),
        ),
        api_answer=_series_answer,
        sql_answer=_rows_answer,
    ),
]
