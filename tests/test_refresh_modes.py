"""The seven refresh modes against a warm, a stale and an empty cache.

The query is the test-only CountTestQuery (``SELECT count(), sum(number) FROM
numbers(30)``: count 30, sum 0+1+…+29 = 435). It has no date range, so it is
judged by the minute thresholds: stale after 5 min, lazily stale after 15 min.
Async jobs run on a real Celery worker (Redis broker when REDIS_URL is set,
else the embedded worker).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.services.team_context import team_context
from query_engine.refresh.cache import query_cache_key
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results
from tests.async_helpers import age_cached, wait_for_job

QUERY = {"kind": "CountTestQuery", "n": 30}
ANSWER = [{"count": 30, "sum": 435}]
STALE = timedelta(minutes=10)  # stale, but still "somewhat fresh" for lazy_async
VERY_STALE = timedelta(minutes=20)


@pytest.fixture
def key(team):
    return query_cache_key(team=team_context(team), query=QUERY)


def _warm(team, state, key):
    """Put the cache in ``state``; returns the cached last_refresh (None when empty)."""
    if state == "empty":
        return None
    first = query_results(team=team_context(team), query=QUERY, mode=ExecutionMode.BLOCKING)
    if state == "warm":
        return first["last_refresh"]
    return age_cached(key, STALE if state == "stale" else VERY_STALE)


def _outcome(team, key, mode, state):
    before = _warm(team, state, key)
    response = query_results(team=team_context(team), query=QUERY, mode=mode)
    # Computed in the request: a result that is not from the cache (a queued job may
    # already have run on the worker by now, so the runner's call count cannot tell).
    computed = int(response["results"] is not None and not response["is_cached"])
    if response["is_cached"]:
        returned = "cache" if response["last_refresh"] == before else "other cache"
    else:
        returned = "fresh" if response["results"] == ANSWER else "miss"
    status = response["query_status"]
    return before, response, computed, returned, status


# (mode, cache state) → (what is returned, computed in the request, job enqueued)
EXPECTED = {
    ("force_cache", "warm"): ("cache", 0, False),
    ("force_cache", "stale"): ("cache", 0, False),
    ("force_cache", "empty"): ("miss", 0, False),
    ("blocking", "warm"): ("cache", 0, False),
    ("blocking", "stale"): ("fresh", 1, False),
    ("blocking", "empty"): ("fresh", 1, False),
    ("async", "warm"): ("cache", 0, False),
    ("async", "stale"): ("cache", 0, True),
    ("async", "empty"): ("miss", 0, True),
    ("lazy_async", "warm"): ("cache", 0, False),
    ("lazy_async", "stale"): ("cache", 0, False),
    ("lazy_async", "very_stale"): ("cache", 0, True),
    ("lazy_async", "empty"): ("miss", 0, True),
    ("force_blocking", "warm"): ("fresh", 1, False),
    ("force_blocking", "stale"): ("fresh", 1, False),
    ("force_blocking", "empty"): ("fresh", 1, False),
    ("force_async", "warm"): ("miss", 0, True),
    ("force_async", "stale"): ("miss", 0, True),
    ("force_async", "empty"): ("miss", 0, True),
    ("async_except_on_cache_miss", "warm"): ("cache", 0, False),
    ("async_except_on_cache_miss", "stale"): ("cache", 0, True),
    ("async_except_on_cache_miss", "empty"): ("fresh", 1, False),
}


@pytest.mark.parametrize(("mode", "state"), list(EXPECTED), ids=[f"{m}-{s}" for m, s in EXPECTED])
def test_refresh_mode(mode, state, team, key, count_runner, celery_worker, clickhouse_schema):
    returned_expected, computed_expected, enqueued = EXPECTED[(mode, state)]
    before, response, computed, returned, status = _outcome(team, key, ExecutionMode(mode), state)

    assert (returned, computed, status is not None) == (returned_expected, computed_expected, enqueued)
    assert response["cache_key"] == key
    if returned == "miss":
        assert response["results"] is None and response["last_refresh"] is None
        assert response["is_cached"] is False
    if returned == "cache":
        assert response["results"] == ANSWER and response["is_cached"] is True
    warmed = 0 if before is None else 1
    if not enqueued:
        assert count_runner.calls == warmed + computed  # nothing ran besides the request
        return
    # The job was queued: pending now, then one calculation that refreshes the cache.
    assert status["id"] == key and status["complete"] is False and status["error"] is False
    assert status["query_async"] is True and status["team_id"] == team.id and status["task_id"]
    done = wait_for_job(team.id, key)
    assert done.error is False and done.results["results"] == ANSWER
    assert count_runner.calls == warmed + 1  # the job's single calculation
    cached = query_results(team=team_context(team), query=QUERY, mode=ExecutionMode.FORCE_CACHE)
    assert cached["is_cached"] is True and cached["last_refresh"] == done.results["last_refresh"]
    assert before is None or cached["last_refresh"] > before
    assert cached["query_status"] is None  # nothing runs any more
