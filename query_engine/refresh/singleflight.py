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
# Waiters for ``held`` poll more often: its holders let go within milliseconds.
MAX_WAIT_POLL_SECONDS = 0.05


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


def next_key(name: str) -> str:
    return f"refresh_lock_next:{name}"


@contextmanager
def held(name: str, *, wait_seconds: float) -> Iterator[Holder]:
    """Hold the lock ``name`` for a block, waiting up to ``wait_seconds`` for it (any process).

    Fair enough not to starve: the first waiter claims the next turn (a lease like the lock,
    so a dead waiter's claim runs out), and nobody else takes the lock while that claim is
    someone else's. Without it, a process writing batch after batch re-took the lock the
    moment it let go and the others timed out (3 gunicorn workers ingesting: 30 s waits).
    """
    deadline = time.monotonic() + wait_seconds
    token = uuid.uuid4().hex
    claimed = False
    delay = POLL_SECONDS
    try:
        while True:
            turn = cache.get(next_key(name))
            if turn is None or turn == token:
                holder = acquire(name)
                if holder is not None:
                    break
            if time.monotonic() >= deadline:
                raise LockTimeout(name)
            if not claimed and cache.add(next_key(name), token, lease.seconds()):
                claimed = True
                lease.keep(next_key(name))
                continue
            time.sleep(delay)
            delay = min(delay * 1.5, MAX_WAIT_POLL_SECONDS)
    finally:
        if claimed:
            lease.drop(next_key(name))
            if cache.get(next_key(name)) == token:
                cache.delete(next_key(name))
    try:
        yield holder
    finally:
        release(name, holder)
