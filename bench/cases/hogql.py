"""HogQL against the insight runners: the same question asked as a ``HogQLQuery`` and as
the runner's node, both through the API in the same run (goal: HogQL within 1.1×).

``COMPILE_QUERIES`` are typical queries whose parse + compile time
``bench/queries.py --compile-only`` records.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench.cases.funnels import _naive as _naive_funnel
from bench.cases.funnels import _row_counts
from bench.cases.trends import CASES as TREND_CASES
from bench.framework import Case, Dataset

THREE = ["$pageview", "signed_up", "purchase"]


def _filters(ds: Dataset) -> dict[str, Any]:
    # ``date_to`` is exclusive in ``{filters}``: the day after the insight's last day.
    return {
        "dateRange": {
            "date_from": ds.first_day.isoformat(),
            "date_to": (ds.last_day + timedelta(days=1)).isoformat(),
        }
    }


def _hogql(ds: Dataset, text: str) -> tuple[str, str, dict[str, Any]]:
    node = {"kind": "HogQLQuery", "query": text, "filters": _filters(ds)}
    return "POST", "query/", {"query": node, "refresh": "force_blocking"}


def _node(ds: Dataset, node: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    date_range = {"date_from": ds.first_day.isoformat(), "date_to": ds.last_day.isoformat()}
    return "POST", "query/", {"query": {**node, "dateRange": date_range}, "refresh": "force_blocking"}


PAGEVIEWS_PER_DAY = (
    "select toStartOfDay(timestamp) as day, count() from events "
    "where event = '$pageview' and {filters} group by day order by day"
)
FUNNEL = (
    "select countIf(level >= 1), countIf(level >= 2), countIf(level >= 3) from ("
    "select person_id, windowFunnel(1209600)(toUnixTimestamp(timestamp), event = '$pageview', "
    "event = 'signed_up', event = 'purchase') as level from events "
    "where event in ('$pageview', 'signed_up', 'purchase') and {filters} group by person_id)"
)


def _days_hogql(body: dict[str, Any]) -> dict[str, float]:
    return {str(day)[:10]: float(count) for day, count in body["results"] if count}


def _days_trends(body: dict[str, Any]) -> dict[str, float]:
    [result] = body["results"]
    return {day: float(v) for day, v in zip(result["days"], result["data"], strict=True) if v}


def _steps_hogql(body: dict[str, Any]) -> list[int]:
    [row] = body["results"]
    return [int(v) for v in row]


def _steps_funnel(body: dict[str, Any]) -> list[int]:
    return [int(step["count"]) for step in body["results"]]


CASES = [
    Case(
        name="hogql vs runner: pageviews per day, 30 days (TrendsQuery)",
        request=lambda ds: _hogql(ds, PAGEVIEWS_PER_DAY),
        api_answer=_days_hogql,
        baseline=lambda ds: _node(
            ds, {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
        ),
        baseline_answer=_days_trends,
        goal_ratio=1.1,
        naive=lambda ds: TREND_CASES[0].sql(ds),  # type: ignore[misc]
        naive_answer=lambda rows: {str(day)[:10]: float(v) for day, v in rows if v},
    ),
    Case(
        name="hogql vs runner: 3-step funnel counts, 14-day window (FunnelsQuery)",
        request=lambda ds: _hogql(ds, FUNNEL),
        api_answer=_steps_hogql,
        baseline=lambda ds: _node(
            ds,
            {
                "kind": "FunnelsQuery",
                "series": [{"kind": "EventsNode", "event": name} for name in THREE],
                "funnelsFilter": {"funnelWindowInterval": 14, "funnelWindowIntervalUnit": "day"},
            },
        ),
        baseline_answer=_steps_funnel,
        goal_ratio=1.1,
        naive=lambda ds: _naive_funnel(ds, THREE),
        naive_answer=lambda rows: list(_row_counts(rows)),
    ),
]

COMPILE_QUERIES = [
    "select count() from events",
    "select event, count() from events group by event order by count() desc",
    PAGEVIEWS_PER_DAY,
    FUNNEL,
    "select properties.$browser, count(distinct person_id) from events where {filters} group by 1",
    "select person.properties.email, count() from events where event = 'purchase' group by 1 limit 10",
    "select pdi.person.properties.email from events limit 10",
    "with p as (select distinct_id, count() c from events group by distinct_id) select avg(c) from p",
    "select e.event, p.properties.name from events e join persons p on e.person_id = p.id limit 5",
    "select lag(timestamp) over (partition by person_id order by timestamp) from events limit 5",
]
