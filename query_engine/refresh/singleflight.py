"""Identical concurrent refreshes compute once; ``held`` serialises any work across processes.

A lock per result cache key, taken with the cache's atomic ``add`` (Redis
``SET NX`` in production, a process-wide lock in embedded mode). The holder
records when it started, so a waiter can tell whether the computation it
waited for began after its own request (what a forced refresh needs). A lock
is a ``lease``: its holder's process extends it while it holds it, so the lock
of a process that died runs out within ``QUERY_LEASE_SECONDS``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from django.core.cache import cache

from query_engine.refresh import lease

POLL_SECONDS = 0.02
MAX_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Holder:
    token: str
    started: datetime


def lock_key(name: str) -> str:
    return f"refresh_lock:{name}"


def acquire(name: str) -> Holder | None:
    holder = Holder(token=uuid.uuid4().hex, started=datetime.now(UTC))
    value = orjson.dumps({"token": holder.token, "started": holder.started.isoformat()})
    if cache.add(lock_key(name), value, lease.seconds()):
        lease.keep(lock_key(name))
        return holder
    return None


def current(name: str) -> Holder | None:
    raw = cache.get(lock_key(name))
    if raw is None:
        return None
    data = orjson.loads(raw)
    return Holder(token=data["token"], started=datetime.fromisoformat(data["started"]))


def release(name: str, holder: Holder) -> None:
    # Only the holder deletes: an expired lock may already belong to someone else.
    lease.drop(lock_key(name))
    now_holding = current(name)
    if now_holding is not None and now_holding.token == holder.token:
        cache.delete(lock_key(name))


def wait_released(name: str, *, deadline: float) -> None:
    """Block until nobody holds the lock, or until ``deadline`` (monotonic seconds)."""
    delay = POLL_SECONDS
    while current(name) is not None and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 1.5, MAX_POLL_SECONDS)


class LockTimeout(Exception):
    """The lock stayed taken past the wait allowed."""


@contextmanager
def held(name: str, *, wait_seconds: float) -> Iterator[Holder]:
    """Hold the lock ``name`` for a block, waiting up to ``wait_seconds`` for it (any process)."""
    deadline = time.monotonic() + wait_seconds
    while (holder := acquire(name)) is None:
        if time.monotonic() >= deadline:
            raise LockTimeout(name)
        wait_released(name, deadline=deadline)
    try:
        yield holder
    finally:
        release(name, holder)
