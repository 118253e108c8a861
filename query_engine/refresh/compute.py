"""Run a query's runner now and store the response, computing identical refreshes once."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, TypeGuard

from django.conf import settings

from query_engine.materialized import usage
from query_engine.refresh import singleflight, staleness
from query_engine.refresh.cache import cached, store
from query_engine.refresh.status import iso
from query_engine.runners.registry import runner_for
from query_engine.team import TeamContext


def now() -> datetime:
    return datetime.now(UTC)


def compute(
    *, team: TeamContext, query: dict[str, Any], key: str, user_id: int | None = None
) -> dict[str, Any]:
    """Run the query now and store the response under ``key`` (no lock: see ``compute_once``)."""
    try:
        response = runner_for(team=team, query=query, user_id=user_id).calculate()
    finally:
        usage.flush_if_due()  # the reads this query counted, written out once a minute
    refreshed = now()
    response.update(
        {
            "last_refresh": iso(refreshed),
            "cache_target_age": iso(staleness.cache_target_age(query, refreshed)),
            "next_allowed_client_refresh": iso(refreshed + staleness.refresh_frequency(query, response)),
            "timezone": team.timezone,
            "cache_key": key,
            "query_status": None,
        }
    )
    if not response.get("error"):
        store(key=key, response=response, team_id=team.id)
    return {**response, "is_cached": False}


def _refreshed_at(response: dict[str, Any]) -> datetime | None:
    value = response.get("last_refresh")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _acceptable(
    hit: dict[str, Any] | None, query: dict[str, Any], since: datetime | None
) -> TypeGuard[dict[str, Any]]:
    """Is a result another computation just stored good enough for this request?"""
    if hit is None:
        return False
    if since is not None:  # forced: only a computation that started after the request will do
        refreshed = _refreshed_at(hit)
        return refreshed is not None and refreshed >= since
    fresh = staleness.freshness(query, hit)
    return fresh is not None and not staleness.is_stale(fresh, now=now())


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
        if shared and running is not None and _acceptable(hit, query, running.started):
            return hit
        if time.monotonic() >= deadline:
            return compute(team=team, query=query, key=key, user_id=user_id)
