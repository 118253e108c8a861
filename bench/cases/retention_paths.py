"""Retention (weekly, 8 cohorts) and paths (5 steps of pageviews) against hand-written SQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bench.framework import Case, Dataset

OVERRIDES = """LEFT JOIN (
    SELECT distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides WHERE team_id = {team:Int64}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0
) AS o ON e.distinct_id = o.distinct_id"""
PERSON = "if(o.distinct_id != '', o.override_person_id, e.person_id)"
WEEKS = 8


def _week_window(ds: Dataset) -> tuple[datetime, datetime]:
    """Sunday weeks (project default): the week after last_day's, back 8 weeks."""
    sunday = ds.last_day - timedelta(days=(ds.last_day.weekday() + 1) % 7)
    end = datetime.combine(sunday + timedelta(days=7), time.min, tzinfo=UTC)
    return end - timedelta(weeks=WEEKS), end


def _retention_request(ds: Dataset) -> tuple[str, str, dict[str, Any]]:
    node = {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": ds.last_day.isoformat()},
        "retentionFilter": {"period": "Week", "totalIntervals": WEEKS},
    }
    return "POST", "query/", {"query": node, "refresh": "force_blocking"}


def _retention_sql(ds: Dataset) -> tuple[str, dict[str, Any]]:
    start, end = _week_window(ds)
    sql = f"""SELECT s, w - s AS lag, count() FROM (
    SELECT {PERSON} AS person,
        groupUniqArray(intDiv(dateDiff('day', toDate({{start:DateTime64(6)}}),
            toStartOfWeek(toDate(e.timestamp), 0)), 7)) AS weeks
    FROM events AS e {OVERRIDES}
    WHERE e.team_id = {{team:Int64}} AND e.event = '$pageview'
      AND e.timestamp >= {{start:DateTime64(6)}} AND e.timestamp < {{end:DateTime64(6)}}
    GROUP BY person
) ARRAY JOIN weeks AS s ARRAY JOIN weeks AS w WHERE w >= s GROUP BY s, lag"""
    return sql, {"team": ds.team_id, "start": start, "end": end}


def _retention_api(body: dict[str, Any]) -> dict[tuple[int, int], int]:
    return {
        (row, lag): value["count"]
        for row, cohort in enumerate(body["results"])
        for lag, value in enumerate(cohort["values"])
        if value["count"]
    }


def _retention_rows(rows: list[list[Any]]) -> dict[tuple[int, int], int]:
    return {(int(s), int(lag)): int(n) for s, lag, n in rows if n}


def _paths_request(ds: Dataset) -> tuple[str, str, dict[str, Any]]:
    node = {
        "kind": "PathsQuery",
        "dateRange": {"date_from": ds.first_day.isoformat(), "date_to": ds.last_day.isoformat()},
        "pathsFilter": {"includeEventTypes": ["$pageview"], "stepLimit": 5},
    }
    return "POST", "query/", {"query": node, "refresh": "force_blocking"}


def _paths_sql(ds: Dataset) -> tuple[str, dict[str, Any]]:
    sql = f"""SELECT concat(toString(i - 1), '_', p[i - 1].1) AS source,
    concat(toString(i), '_', p[i].1) AS target, count() AS value, avg(p[i].2 - p[i - 1].2) AS ms
FROM (
    SELECT arraySlice(arrayFilter((x, j) -> j = length(s) OR x.1 != s[j + 1].1,
        s, arrayEnumerate(s)), 1, 5) AS p
    FROM (
        SELECT arraySort(x -> (x.2, x.1), groupArray((
            replaceRegexpAll(JSONExtractString(e.properties, '$current_url'), '(.)/$', '\\\\1'),
            toUnixTimestamp64Milli(e.timestamp)))) AS evs
        FROM events AS e {OVERRIDES}
        WHERE e.team_id = {{team:Int64}} AND e.event = '$pageview'
          AND e.timestamp >= {{start:DateTime64(6)}} AND e.timestamp <= {{end:DateTime64(6)}}
        GROUP BY {PERSON}
    )
    ARRAY JOIN arraySplit((x, d) -> d >= 1800000, evs, arrayDifference(arrayMap(x -> x.2, evs))) AS s
)
ARRAY JOIN range(2, length(p) + 1) AS i
GROUP BY source, target ORDER BY value DESC, source, target LIMIT 50"""
    params = {
        "team": ds.team_id,
        "start": datetime.combine(ds.first_day, time.min),
        "end": datetime.combine(ds.last_day, time.max),
    }
    return sql, params


def _paths_api(body: dict[str, Any]) -> list[tuple[str, str, int, float]]:
    return [
        (e["source"], e["target"], e["value"], round(e["average_conversion_time"], 3))
        for e in body["results"]
    ]


def _paths_rows(rows: list[list[Any]]) -> list[tuple[str, str, int, float]]:
    from query_engine.runners.paths.edges import reachable

    return [(s, t, int(v), round(float(ms), 3)) for s, t, v, ms in reachable(rows)]


CASES = [
    Case(
        name="retention: weekly, 8 cohorts of $pageview (with person overrides)",
        request=_retention_request,
        sql=_retention_sql,
        api_answer=_retention_api,
        sql_answer=_retention_rows,
        goal_ratio=1.3,
    ),
    Case(
        name="paths: $pageview URLs, 5 steps, 30 days (with person overrides)",
        request=_paths_request,
        sql=_paths_sql,
        api_answer=_paths_api,
        sql_answer=_paths_rows,
        goal_ratio=1.3,
    ),
]
