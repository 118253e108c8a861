"""Results for a query node with the cache in front: the one entry point for views.

``query_results`` returns the response fields PostHog reports (``results``,
``last_refresh``, ``cache_target_age``, ``next_allowed_client_refresh``,
``is_cached``, ``timezone``, ``query_status``, ``cache_key``…) according to
the refresh mode, exactly as refresh_and_caching §2 tabulates:

* it never computes for ``force_cache``; it computes in the request for
  ``blocking`` (miss or stale), ``force_blocking`` (always) and
  ``async_except_on_cache_miss`` (miss only);
* the async modes enqueue a Celery job and return at once with its
  ``query_status``; identical requests share one pending job;
* identical concurrent blocking refreshes compute once (single-flight lock).
"""

from __future__ import annotations

from typing import Any

import orjson

from query_engine.refresh import jobs, staleness
from query_engine.refresh import status as status_store
from query_engine.refresh.cache import cached_many, query_cache_key
from query_engine.refresh.compute import compute_once, now
from query_engine.refresh.modes import ExecutionMode
from query_engine.team import TeamContext

ASYNC_MODES = {ExecutionMode.ASYNC, ExecutionMode.LAZY_ASYNC, ExecutionMode.ASYNC_EXCEPT_ON_CACHE_MISS}


def cache_miss(*, key: str) -> dict[str, Any]:
    return {
        "results": None,
        "last_refresh": None,
        "cache_target_age": None,
        "next_allowed_client_refresh": None,
        "is_cached": False,
        "timezone": None,
        "query_status": None,
        "cache_key": key,
    }


def _with_running_status(response: dict[str, Any], record: status_store.QueryStatus | None) -> dict[str, Any]:
    """A cached response carries the status of a still-running job for the same id."""
    running = record.public() if record is not None and record.running else None
    return {**response, "query_status": running}


def _cached_and_status(
    *, key: str, team_id: int, job_id: str
) -> tuple[dict[str, Any] | None, status_store.QueryStatus | None]:
    """The cached response and the job's status record in one cache round trip."""
    status_name = status_store.status_key(team_id, job_id)
    found = cached_many([key, status_name])
    raw = found.get(key)
    hit = {**orjson.loads(raw), "is_cached": True} if raw is not None else None
    record = found.get(status_name)
    return hit, status_store.checked(
        status_store.QueryStatus(**orjson.loads(record))
    ) if record is not None else None


def query_results(
    *,
    team: TeamContext,
    query: dict[str, Any],
    mode: ExecutionMode,
    query_id: str | None = None,
    user_id: int | None = None,
    insight_id: int | None = None,
    dashboard_id: int | None = None,
) -> dict[str, Any]:
    """The response for ``query`` under ``mode``; ``query_id`` names an async job (default: the cache key)."""
    key = query_cache_key(team=team, query=query)
    job_id = query_id or key

    def enqueue(*, first: bool) -> dict[str, Any]:
        return jobs.enqueue(
            team=team,
            query=query,
            query_id=job_id,
            cache_key=key,
            user_id=user_id,
            insight_id=insight_id,
            dashboard_id=dashboard_id,
            reuse_finished=first,
        ).public()

    if mode == ExecutionMode.FORCE_BLOCKING:
        return compute_once(team=team, query=query, key=key, since=now(), user_id=user_id)
    if mode == ExecutionMode.FORCE_ASYNC:
        return {**cache_miss(key=key), "query_status": enqueue(first=False)}
    hit, record = _cached_and_status(key=key, team_id=team.id, job_id=job_id)
    if hit is None:
        if mode == ExecutionMode.FORCE_CACHE:  # a job still computing it says so
            return _with_running_status(cache_miss(key=key), record)
        if mode in (ExecutionMode.BLOCKING, ExecutionMode.ASYNC_EXCEPT_ON_CACHE_MISS):
            return compute_once(team=team, query=query, key=key, user_id=user_id)
        return {**cache_miss(key=key), "query_status": enqueue(first=True)}
    fresh = staleness.freshness(query, hit)
    moment = now()
    if mode == ExecutionMode.FORCE_CACHE or (fresh is not None and not staleness.is_stale(fresh, now=moment)):
        return _with_running_status(hit, record)
    if mode == ExecutionMode.BLOCKING:
        return compute_once(team=team, query=query, key=key, user_id=user_id)
    lazily_stale = fresh is None or staleness.is_stale(fresh, now=moment, mode=staleness.ThresholdMode.LAZY)
    if mode == ExecutionMode.LAZY_ASYNC and not lazily_stale:
        return _with_running_status(hit, record)
    return {**hit, "query_status": enqueue(first=False)}
