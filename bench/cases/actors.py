"""Actors: the first 100 persons behind one day of the DAU trend (an ``ActorsQuery`` over an
``InsightActorsQuery``), timed against the DAU insight itself in the same run.

Both answers reduce to the same number: how many persons the list shows for that day
(at most 100), and the day's DAU capped at 100.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bench.framework import Case, Dataset

PAGE = 100


def _trends(ds: Dataset) -> dict[str, Any]:
    return {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
        "dateRange": {"date_from": ds.first_day.isoformat(), "date_to": ds.last_day.isoformat()},
    }


def _day(ds: Dataset) -> str:
    return ds.last_day.isoformat()


def _actors(ds: Dataset) -> tuple[str, str, dict[str, Any]]:
    node = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": _trends(ds), "day": _day(ds), "series": 0},
        "select": ["person", "event_count"],
        "orderBy": ["event_count DESC, actor_id DESC"],
        "limit": PAGE,
    }
    return "POST", "query/", {"query": node, "refresh": "force_blocking"}


def _insight(ds: Dataset) -> tuple[str, str, dict[str, Any]]:
    return "POST", "query/", {"query": _trends(ds), "refresh": "force_blocking"}


def _naive(ds: Dataset) -> tuple[str, dict[str, Any]]:
    # The persons with the most pageviews that day, read straight from events.person_id.
    return (
        "SELECT e.person_id, count() AS n FROM events AS e WHERE e.team_id = {team:Int64} "
        "AND e.event = '$pageview' AND e.timestamp >= {start:DateTime64(6)} "
        "AND e.timestamp <= {end:DateTime64(6)} GROUP BY e.person_id "
        "ORDER BY n DESC, e.person_id DESC LIMIT {page:UInt32}",
        {
            "team": ds.team_id,
            "start": datetime.combine(ds.last_day, time.min),
            "end": datetime.combine(ds.last_day, time.max),
            "page": PAGE,
        },
    )


def _listed(body: dict[str, Any]) -> int:
    return len(body["results"])


def _last_day_capped(body: dict[str, Any]) -> int:
    [result] = body["results"]
    return min(int(result["data"][-1]), PAGE)


CASES = [
    Case(
        name="actors vs runner: first 100 persons behind one DAU day (ActorsQuery) vs the DAU trend itself",
        request=_actors,
        api_answer=_listed,
        baseline=_insight,
        baseline_answer=_last_day_capped,
        naive=_naive,
        naive_answer=len,
    )
]
