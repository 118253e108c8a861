"""Leases: cache entries a live process keeps extending, so a dead one's expire within seconds.

A worker killed mid-query (-9, out of memory, machine gone) can release nothing. Its job's
lease and the single-flight locks it held (``singleflight``) are kept alive by one renewer
thread per process, every third of ``QUERY_LEASE_SECONDS`` (at most a second); once the process is gone they
run out. Then the job's next read fails it ("lost its worker") so polling ends, and a retry
finds the locks free instead of waiting minutes for them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

LOST_MESSAGE = "The worker running this query stopped before it finished. Run the query again."

_kept: dict[str, int] = {}  # cache key -> holds on it in this process
_guard = threading.Lock()
_renewer_pid: int | None = None  # a forked child starts its own renewer


def seconds() -> int:
    return max(1, round(float(settings.QUERY_LEASE_SECONDS)))


def lease_key(task_id: str) -> str:
    return f"query_lease:{task_id}"


def keep(key: str) -> None:
    """Extend ``key`` (already set with a ``seconds()`` TTL) until ``drop``; never recreate it."""
    global _renewer_pid
    with _guard:
        _kept[key] = _kept.get(key, 0) + 1
        if _renewer_pid != os.getpid():
            _renewer_pid = os.getpid()
            threading.Thread(target=_renew_forever, name="lease-renewer", daemon=True).start()


def drop(key: str) -> None:
    with _guard:
        left = _kept.get(key, 0) - 1
        if left > 0:
            _kept[key] = left
        else:
            _kept.pop(key, None)


def _renew_forever() -> None:
    pid = os.getpid()
    while _renewer_pid == pid:
        threading.Event().wait(min(seconds() / 3, 1.0))  # at least every second: cheap, and prompt
        with _guard:
            keys = list(_kept)
        for key in keys:
            try:
                cache.touch(key, seconds())  # a key that already ran out stays gone
            except Exception:  # a cache blip must not stop renewing; the next round tries again
                continue


@contextmanager
def holding(task_id: str) -> Iterator[None]:
    """The job's lease while the body runs (a worker computing it is alive)."""
    key = lease_key(task_id)
    cache.set(key, b"1", seconds())
    keep(key)
    try:
        yield
    finally:
        drop(key)
        cache.delete(key)


def expired(task_id: str | None) -> bool:
    """Has a picked-up job's lease run out? (The lease is set before the pickup is recorded.)

    A miss while the cache is not answering (Redis slow or down: the cache backend serves
    misses for a while) says nothing about the worker, so the job is not declared lost.
    """
    if not task_id:
        return True
    if cache.get(lease_key(task_id)) is not None:
        return False
    answering = getattr(cache, "answering", None)
    return answering is None or bool(answering())
