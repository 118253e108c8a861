"""The result cache: one stored response per key, the key hashing everything that changes it.

Responses are stored as JSON bytes in Django's cache (Redis in production).
``results_changed`` tells the app (its HTTP response cache) that a team's
cached results or job statuses were written or deleted; the engine itself does
not act on it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache as django_cache
from django.dispatch import Signal

from query_engine.actions import actions_fingerprint
from query_engine.cohorts.source import cohorts_fingerprint
from query_engine.nodes import unwrap
from query_engine.team import TeamContext

# How long a computed response stays (and the job status that produced it: see ``status``).
RESULT_TTL = timedelta(days=7)
RESULT_TTL_SECONDS = int(RESULT_TTL.total_seconds())

# A team's cached results or query statuses were written or deleted (``team_id``).
results_changed = Signal()


def _normalised(value: Any) -> Any:
    """Drop null-valued keys (absent and null mean the same to a runner) and ``tags``."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items() if item is not None and key != "tags"}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def query_cache_key(*, team: TeamContext, query: dict[str, Any]) -> str:
    """Everything that changes the answer is in the key (the query, every team setting in
    ``TeamContext``, the definitions of the saved actions it names and the membership
    versions of the cohorts it or the test-account filters name); an InsightVizNode
    keys as its source."""
    parts: dict[str, Any] = {
        "query": _normalised(unwrap(query)),
        "team": team.answer_settings(),
        "version": settings.CACHE_VERSION,
    }
    actions = actions_fingerprint(team.id, query)
    if actions is not None:  # only then, so keys of queries without actions stay as they were
        parts["actions"] = actions
    cohorts = cohorts_fingerprint(team.id, query, team.test_account_filters)
    if cohorts is not None:  # likewise: the membership versions of the cohorts it names
        parts["cohorts"] = cohorts
    payload = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    return "cache_" + hashlib.md5(payload, usedforsecurity=False).hexdigest()


def cached(*, key: str) -> dict[str, Any] | None:
    raw = django_cache.get(key)
    if raw is None:
        return None
    return {**orjson.loads(raw), "is_cached": True}


def store(*, key: str, response: dict[str, Any], team_id: int) -> None:
    django_cache.set(key, orjson.dumps(response), RESULT_TTL_SECONDS)
    results_changed.send(sender=store, team_id=team_id)


def cached_many(keys: list[str]) -> dict[str, Any]:
    """Several raw entries in one round trip (a result and its job's status)."""
    return django_cache.get_many(keys)
