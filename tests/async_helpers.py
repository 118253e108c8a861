"""Helpers for tests of cached and async results."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import orjson
from django.core.cache import cache

from query_engine.refresh import status as status_store


def age_cached(key: str, by: timedelta) -> str:
    """Make the cached response under ``key`` look computed ``by`` ago; returns its new last_refresh."""
    value = orjson.loads(cache.get(key))
    value["last_refresh"] = status_store.iso(datetime.now(UTC) - by)
    cache.set(key, orjson.dumps(value), 3600)
    return value["last_refresh"]


def wait_for_job(team_id: int, query_id: str, *, timeout: float = 30.0) -> status_store.QueryStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = status_store.get(team_id, query_id)
        if record is not None and record.complete:
            return record
        time.sleep(0.05)
    raise AssertionError(
        f"job {query_id} did not finish in {timeout}s: {status_store.get(team_id, query_id)}"
    )


def poll(api, team_id: int, query_id: str, *, timeout: float = 30.0, **params):
    """GET the status until it is no longer 202; returns the last response."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/api/projects/{team_id}/query/{query_id}/", params)
        if response.status_code != 202 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)
