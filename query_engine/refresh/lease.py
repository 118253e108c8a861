"""Lost jobs: the worker computing a job renews a short lease; a job whose lease ran out lost
its worker (killed, out of memory, machine gone).

Without this a job whose worker died mid-query stays "running" until its record expires
(minutes), so its clients poll for nothing and every retry joins the dead job. With it, the
first read of the record after the lease runs out fails the job ("lost its worker"), polling
ends, and the client's retry starts a new job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

LOST_MESSAGE = "The worker running this query stopped before it finished. Run the query again."


def lease_key(task_id: str) -> str:
    return f"query_lease:{task_id}"


def _seconds() -> float:
    return float(settings.QUERY_LEASE_SECONDS)


@contextmanager
def holding(task_id: str) -> Iterator[None]:
    """Hold the job's lease while the body runs: renewed three times per lease period."""
    ttl = max(1, round(_seconds()))
    cache.set(lease_key(task_id), b"1", ttl)
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(_seconds() / 3):
            try:
                cache.set(lease_key(task_id), b"1", ttl)
            except Exception:  # a cache blip must not end the job; the next renewal tries again
                continue

    renewer = threading.Thread(target=renew, name=f"lease-{task_id[:8]}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        cache.delete(lease_key(task_id))


def expired(task_id: str | None) -> bool:
    """Has a picked-up job's lease run out? (The lease is set before the pickup is recorded.)"""
    return bool(task_id) and cache.get(lease_key(task_id)) is None  # type: ignore[arg-type]
