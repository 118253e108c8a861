"""A test reaches the event store only when it asks (tests/event_store_guard.py)."""

from __future__ import annotations

import pytest

from query_engine.backends import get_backend
from tests.event_store_guard import EventStoreNotRequested


def test_a_test_that_did_not_ask_cannot_reach_it(event_store_guard):
    with pytest.raises(EventStoreNotRequested):
        get_backend().execute("SELECT 1")
    assert event_store_guard.reached == ["execute"]
    # The guard would fail this test at teardown; it reached the store on purpose.
    event_store_guard.reached.clear()


def test_an_error_swallowed_by_the_code_still_fails_the_test(event_store_guard, api, team):
    # The health check turns any store failure into a 503 ...
    response = api.get("/_health")
    assert response.status_code == 503
    # ... but the guard saw the use, so the test would fail at teardown.
    assert event_store_guard.reached
    event_store_guard.reached.clear()


@pytest.mark.clickhouse
def test_the_marker_asks_for_it():
    assert get_backend().execute("SELECT 41 + 1").rows == [[42]]


def test_the_fixture_asks_for_it(clickhouse):
    assert get_backend() is clickhouse
    assert clickhouse.execute("SELECT count() FROM events").rows == [[0]]
