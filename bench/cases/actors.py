"""Actors: the first 100 persons behind one day of the DAU trend (an ``ActorsQuery`` over an
``InsightActorsQuery``), timed against the DAU insight itself in the same run.

Both answers reduce to the same number: how many persons the list shows for that day
(at most 100), and the day's DAU capped at 100.
"""

from __future__ import annotations

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
    )
]
