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

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache as django_cache

from query_engine import cache as staleness
from query_engine import jobs, singleflight
from query_engine import status as status_store
from query_engine.execution import ExecutionMode
from query_engine.runners.registry import runner_for
from query_engine.signals import results_changed
from query_engine.team import TeamContext

CACHE_TTL_SECONDS = int(status_store.COMPLETE_TTL.total_seconds())
ASYNC_MODES = {ExecutionMode.ASYNC, ExecutionMode.LAZY_ASYNC, ExecutionMode.ASYNC_EXCEPT_ON_CACHE_MISS}


def _normalised(value: Any) -> Any:
    """Drop null-valued keys (absent and null mean the same to a runner) and ``tags``."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items() if item is not None and key != "tags"}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def query_cache_key(*, team: TeamContext, query: dict[str, Any]) -> str:
    """Everything that changes the answer is in the key (the query and every team setting in
    ``TeamContext``); an InsightVizNode keys as its source."""
    payload = orjson.dumps(
        {
            "query": _normalised(staleness.source_query(query)),
            "team": team.answer_settings(),
            "version": settings.CACHE_VERSION,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return "cache_" + hashlib.md5(payload, usedforsecurity=False).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return status_store.iso(moment)


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


def compute(
    *, team: TeamContext, query: dict[str, Any], key: str, user_id: int | None = None
) -> dict[str, Any]:
    """Run the query now and store the response under ``key`` (no lock: see ``compute_once``)."""
    response = runner_for(team=team, query=query, user_id=user_id).calculate()
    refreshed = _now()
    response.update(
        {
            "last_refresh": _iso(refreshed),
            "cache_target_age": _iso(staleness.cache_target_age(query, refreshed)),
            "next_allowed_client_refresh": _iso(refreshed + staleness.refresh_frequency(query, response)),
            "timezone": team.timezone,
            "cache_key": key,
            "query_status": None,
        }
    )
    if not response.get("error"):
        django_cache.set(key, orjson.dumps(response), CACHE_TTL_SECONDS)
        results_changed.send(sender=compute, team_id=team.id)
    return {**response, "is_cached": False}


def cached(*, key: str) -> dict[str, Any] | None:
    raw = django_cache.get(key)
    if raw is None:
        return None
    return {**orjson.loads(raw), "is_cached": True}


def _refreshed_at(response: dict[str, Any]) -> datetime | None:
    value = response.get("last_refresh")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _acceptable(hit: dict[str, Any] | None, query: dict[str, Any], since: datetime | None) -> bool:
    """Is a result another computation just stored good enough for this request?"""
    if hit is None:
        return False
    if since is not None:  # forced: only a computation that started after the request will do
        refreshed = _refreshed_at(hit)
        return refreshed is not None and refreshed >= since
    fresh = staleness.freshness(query, hit)
    return fresh is not None and not staleness.is_stale(fresh, now=_now())


def compute_once(
    *,
    team: TeamContext,
    query: dict[str, Any],
    key: str,
    since: datetime | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """Compute, unless an identical computation is under way: then wait for and share its result.

    ``since`` (forced refreshes) is when the request was made; a shared result
    must come from a computation that started no earlier.
    """
    deadline = time.monotonic() + settings.REFRESH_LOCK_SECONDS
    while True:
        holder = singleflight.acquire(key)
        if holder is not None:
            try:
                hit = cached(key=key)
                if since is None and _acceptable(hit, query, None):
                    return hit  # a computation finished between our cache read and the lock
                return compute(team=team, query=query, key=key, user_id=user_id)
            finally:
                singleflight.release(key, holder)
        running = singleflight.current(key)
        singleflight.wait_released(key, deadline=deadline)
        hit = cached(key=key)
        if since is None and _acceptable(hit, query, None):
            return hit
        # A forced refresh shares only a computation that started after the request.
        shared = since is not None and running is not None and running.started >= since
        if shared and _acceptable(hit, query, running.started):
            return hit
        if time.monotonic() >= deadline:
            return compute(team=team, query=query, key=key, user_id=user_id)


def _with_running_status(response: dict[str, Any], record: status_store.QueryStatus | None) -> dict[str, Any]:
    """A cached response carries the status of a still-running job for the same id."""
    running = record.public() if record is not None and record.running else None
    return {**response, "query_status": running}


def _cached_and_status(
    *, key: str, team_id: int, job_id: str
) -> tuple[dict[str, Any] | None, status_store.QueryStatus | None]:
    """The cached response and the job's status record in one cache round trip."""
    status_name = status_store.status_key(team_id, job_id)
    found = django_cache.get_many([key, status_name])
    raw = found.get(key)
    hit = {**orjson.loads(raw), "is_cached": True} if raw is not None else None
    record = found.get(status_name)
    return hit, status_store.QueryStatus(**orjson.loads(record)) if record is not None else None


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
        return compute_once(team=team, query=query, key=key, since=_now(), user_id=user_id)
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
    now = _now()
    if mode == ExecutionMode.FORCE_CACHE or (fresh is not None and not staleness.is_stale(fresh, now=now)):
        return _with_running_status(hit, record)
    if mode == ExecutionMode.BLOCKING:
        return compute_once(team=team, query=query, key=key, user_id=user_id)
    lazily_stale = fresh is None or staleness.is_stale(fresh, now=now, mode=staleness.ThresholdMode.LAZY)
    if mode == ExecutionMode.LAZY_ASYNC and not lazily_stale:
        return _with_running_status(hit, record)
    return {**hit, "query_status": enqueue(first=False)}
