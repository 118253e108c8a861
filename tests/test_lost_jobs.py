"""A job whose worker died mid-query fails on the next read, and a retry starts a new job.

The worker holds a lease while it computes (query_engine/refresh/lease.py); a picked-up job
without one lost its worker. tests/test_multiprocess_server.py kills a real worker with -9.
"""

from __future__ import annotations

import time

import pytest

from analytics.services.team_context import team_context
from query_engine.refresh import lease
from query_engine.refresh import status as status_store
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results
from tests.async_helpers import poll

QUERY = {"kind": "CountTestQuery", "n": 20, "sleep": 0.0}


def _start(team, query_id):
    response = query_results(
        team=team_context(team), query=QUERY, mode=ExecutionMode.FORCE_ASYNC, query_id=query_id
    )
    return response["query_status"]


def _dead_workers_record(team, query_id: str) -> status_store.QueryStatus:
    """What a worker killed mid-query leaves: a picked-up record, and its lease gone."""
    record = status_store.create(team_id=team.id, query_id=query_id, cache_key=None, task_id="dead-task")
    return status_store.picked_up(record)


@pytest.mark.django_db
def test_a_job_without_its_workers_lease_fails_on_the_next_read(api, team):
    _dead_workers_record(team, "orphan")
    response = api.get(f"/api/projects/{team.id}/query/orphan/")
    assert response.status_code == 400  # a failed job with a message, as any failed job
    body = response.json()["query_status"]
    assert (body["complete"], body["error"], body["error_message"]) == (True, True, lease.LOST_MESSAGE)
    assert body["end_time"] is not None and body["results"] is None


@pytest.mark.django_db
def test_a_queued_job_nobody_picked_up_is_not_lost(api, team):
    status_store.create(team_id=team.id, query_id="queued", cache_key=None, task_id="queued-task")
    assert api.get(f"/api/projects/{team.id}/query/queued/").status_code == 202


@pytest.mark.django_db
def test_a_cancelled_job_is_not_reported_lost(team):
    record = _dead_workers_record(team, "cancelled")
    status_store.mark_cancelled(record.task_id)
    assert status_store.get(team.id, "cancelled").running


def test_the_retry_after_a_lost_job_runs_a_new_one(api, team, count_runner, celery_worker, clickhouse_schema):
    _dead_workers_record(team, "again")
    assert api.get(f"/api/projects/{team.id}/query/again/").status_code == 400
    started = _start(team, "again")
    assert started["task_id"] != "dead-task" and started["complete"] is False
    done = poll(api, team.id, "again")
    assert done.status_code == 200
    assert done.json()["query_status"]["results"]["results"] == [{"count": 20, "sum": 190}]


def test_a_live_worker_renews_its_lease_past_the_lease_period(
    api, team, count_runner, celery_worker, clickhouse_schema, settings
):
    settings.QUERY_LEASE_SECONDS = 1  # renewed every 1/3 s; the job takes about 2 s
    query = {"kind": "CountTestQuery", "n": 40, "sleep": 0.05}
    query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_ASYNC, query_id="long")
    seen_running = False
    done = None
    for _ in range(200):
        done = api.get(f"/api/projects/{team.id}/query/long/")
        if done.status_code != 202:
            break
        seen_running = True
        time.sleep(0.05)
    assert seen_running and done is not None and done.status_code == 200
    body = done.json()["query_status"]
    assert body["error"] is False and body["results"]["results"] == [{"count": 40, "sum": 780}]
    assert lease.expired("never-held")  # no lease at all counts as run out


def test_each_job_tags_its_statements_with_its_own_clickhouse_query_id(
    api, team, count_runner, celery_worker, clickhouse_schema, monkeypatch
):
    """A retry under the same client query id must not collide with a statement its dead
    predecessor left running on the server (ClickHouse refuses a running id: code 216)."""
    from query_engine.backends import execution_context

    seen: list[str | None] = []
    calculate = count_runner.calculate

    def recording(self):
        seen.append(execution_context.current().query_id)
        return calculate(self)

    monkeypatch.setattr(count_runner, "calculate", recording)
    first = _start(team, "same-id")
    assert poll(api, team.id, "same-id").status_code == 200
    second = query_results(
        team=team_context(team), query={**QUERY, "n": 21}, mode=ExecutionMode.FORCE_ASYNC, query_id="same-id"
    )["query_status"]
    assert poll(api, team.id, "same-id").status_code == 200
    # Both carry the project too (another project may use the same client id).
    prefix = f"team{team.id}:same-id:"
    assert seen == [f"{prefix}{first['task_id']}", f"{prefix}{second['task_id']}"]


@pytest.mark.django_db
def test_a_cache_that_stops_answering_does_not_make_a_running_job_lost(team, monkeypatch):
    """A Redis stall (a socket timeout on a loaded machine) opens the cache breaker, whose reads
    are misses: the job's lease then looks gone, but its worker is alive."""
    from insights_api.redis_cache import ReusingRedisCache
    from insights_api.store_failures import cache_breaker

    record = status_store.create(team_id=team.id, query_id="stalled", cache_key=None, task_id="live-task")
    status_store.picked_up(record)
    # Port 1 refuses: the first read fails and opens the breaker, as a timed-out one does.
    unreachable = ReusingRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    monkeypatch.setattr(lease, "cache", unreachable)
    breaker = cache_breaker()
    try:
        assert lease.expired("live-task") is False
        assert breaker.is_open
    finally:
        breaker._open_until = 0.0  # other tests in this process expect a closed breaker
        breaker._dropped_writes = False
    # With the cache answering, a missing lease is a dead worker's.
    monkeypatch.undo()
    assert lease.expired("live-task") is True
