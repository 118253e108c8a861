"""Results for a query node with the cache in front: the one entry point for views.

``query_results`` returns the response fields PostHog reports (``result``,
``last_refresh``, ``cache_target_age``, ``next_allowed_client_refresh``,
``is_cached``, ``timezone``, ``query_status``, ``filters_hash``…) according to
the refresh mode. Computation goes through the runner registry.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache

from query_engine.execution import ExecutionMode
from query_engine.runners.registry import runner_for

CACHE_TTL_SECONDS = 7 * 24 * 3600
FORCED = {ExecutionMode.FORCE_BLOCKING}
CACHE_ONLY = {ExecutionMode.FORCE_CACHE}


def query_cache_key(*, team: Any, query: dict[str, Any]) -> str:
    """Everything that changes the answer is in the key."""
    payload = orjson.dumps(
        {
            "query": _without_tags(query),
            "team": team.id,
            "timezone": team.timezone,
            "week_start_day": team.week_start_day,
            "version": settings.CACHE_VERSION,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return "cache_" + hashlib.md5(payload, usedforsecurity=False).hexdigest()


def _without_tags(query: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in query.items() if key != "tags"}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _empty(*, key: str, team: Any) -> dict[str, Any]:
    return {
        "results": None,
        "last_refresh": None,
        "cache_target_age": None,
        "next_allowed_client_refresh": None,
        "is_cached": False,
        "timezone": team.timezone,
        "query_status": None,
        "cache_key": key,
    }


def compute(*, team: Any, query: dict[str, Any], key: str) -> dict[str, Any]:
    """Run the query now and store the response under ``key``."""
    response = runner_for(team=team, query=query).calculate()
    refreshed = _now()
    response.update(
        {
            "last_refresh": _iso(refreshed),
            "cache_target_age": _iso(refreshed + timedelta(hours=6)),
            "next_allowed_client_refresh": _iso(refreshed + timedelta(minutes=15)),
            "timezone": team.timezone,
            "cache_key": key,
            "query_status": None,
        }
    )
    cache.set(key, orjson.dumps(response), CACHE_TTL_SECONDS)
    return {**response, "is_cached": False}


def cached(*, key: str) -> dict[str, Any] | None:
    raw = cache.get(key)
    if raw is None:
        return None
    return {**orjson.loads(raw), "is_cached": True}


def _is_stale(response: dict[str, Any]) -> bool:
    target = response.get("cache_target_age")
    return bool(target) and datetime.fromisoformat(target.replace("Z", "+00:00")) < _now()


def query_results(*, team: Any, query: dict[str, Any], mode: ExecutionMode) -> dict[str, Any]:
    key = query_cache_key(team=team, query=query)
    if mode not in FORCED:
        hit = cached(key=key)
        if hit is not None and (mode in CACHE_ONLY or not _is_stale(hit)):
            return hit
        if mode in CACHE_ONLY:
            return hit or _empty(key=key, team=team)
    return compute(team=team, query=query, key=key)
