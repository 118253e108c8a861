"""Embedded mode runs statements side by side on a pool of chDB sessions: a short query
answers while a long one is still running, and the pool never opens more than its bound.

Fixture: three $pageview events on 2024-03-01 (u1, u2, u1), so the day's total is 3.
The long statement is ``sleepEachRow`` over 8 rows (2 s); the short ones finish while its
thread is still alive, which with one session (statements in turn) cannot happen.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings

from query_engine.backends import get_backend
from query_engine.backends.chdb_backend import ChdbBackend
from tests.capture import capture_events

pytestmark = pytest.mark.django_db

LONG = "SELECT sleepEachRow(0.25) FROM numbers(8)"  # 2 s in one block (the cap is 3 s a block)


@pytest.fixture
def chdb(clickhouse):
    if not isinstance(clickhouse, ChdbBackend):
        pytest.skip("embedded mode only: a ClickHouse server runs statements side by side itself")
    return clickhouse


def running(backend, sql: str) -> threading.Thread:
    thread = threading.Thread(target=backend.execute, args=(sql,))
    thread.start()
    time.sleep(0.3)  # it has its session and is sleeping
    return thread


def test_a_trend_answers_while_a_long_statement_runs(api, client, team, chdb):
    capture_events(
        client,
        team,
        [
            {"event": "$pageview", "distinct_id": d, "timestamp": f"2024-03-01T10:0{i}:00Z"}
            for i, d in enumerate(["u1", "u2", "u1"])
        ],
    )
    trend = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": "2024-03-01", "date_to": "2024-03-01"},
    }
    get_backend().execute("SELECT 1")  # the journal is written before the long statement starts
    long = running(get_backend(), LONG)
    try:
        response = api.post(f"/api/projects/{team.id}/query/", {"query": trend, "refresh": "force_blocking"})
        assert response.status_code == 200, response.content[:300]
        assert response.json()["results"][0]["data"] == [3]
        assert long.is_alive()
    finally:
        long.join()


def test_one_session_runs_statements_in_turn_and_the_pool_is_bounded(chdb):
    serial = ChdbBackend(settings.CHDB_PATH, settings.CLICKHOUSE_DATABASE, connections=1)
    long = running(serial, LONG)
    try:
        assert serial.execute("SELECT 1").rows == [[1]]
        assert not long.is_alive()  # the short statement waited for the long one
    finally:
        long.join()
        serial.close()

    pooled = ChdbBackend(settings.CHDB_PATH, settings.CLICKHOUSE_DATABASE, connections=2)
    nap = "SELECT sleepEachRow(0.2) FROM numbers(5)"
    threads = [threading.Thread(target=pooled.execute, args=(nap,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pooled._opened) == 2
    assert pooled.execute("SELECT 2").rows == [[2]]
    pooled.close()
