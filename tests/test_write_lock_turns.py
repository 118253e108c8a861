"""The cross-process write lock (``singleflight.held``) lets a waiter in before its holder takes
it again: with three gunicorn workers ingesting for one project, a process writing batch after
batch re-took the lock the moment it let go, and the others' batches failed after 30 s (503)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from query_engine.refresh import singleflight

NAME = "ingest:turns-test"


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def clean_lock():
    yield
    cache.delete(singleflight.lock_key(NAME))
    cache.delete(singleflight.next_key(NAME))


def test_a_waiter_gets_the_lock_before_its_holder_takes_it_again():
    order: list[str] = []
    first = singleflight.held(NAME, wait_seconds=5)
    first.__enter__()
    order.append("holder")

    def waiter() -> None:
        with singleflight.held(NAME, wait_seconds=5):
            order.append("waiter")

    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: cache.get(singleflight.next_key(NAME)) is not None)  # the waiter's claim
    first.__exit__(None, None, None)
    with singleflight.held(NAME, wait_seconds=5):  # the holder's next batch, at once
        order.append("holder again")
    thread.join(10)
    assert order == ["holder", "waiter", "holder again"]
    assert cache.get(singleflight.next_key(NAME)) is None  # the claim is gone with its turn


def test_a_claim_does_not_outlive_a_waiter_that_gave_up():
    holder = singleflight.acquire(NAME)
    assert holder is not None
    with pytest.raises(singleflight.LockTimeout), singleflight.held(NAME, wait_seconds=0.2):
        pass
    assert cache.get(singleflight.next_key(NAME)) is None
    singleflight.release(NAME, holder)
    with singleflight.held(NAME, wait_seconds=1):
        assert singleflight.current(NAME) is not None
