"""Polling and cancelling async jobs over HTTP, progress, failures and de-duplication.

Queries are the test-only CountTestQuery (``SELECT count(), sum(number) FROM
numbers(n)`` with an optional per-row sleep, 10-row blocks), run by a real
Celery worker.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from analytics.services.team_context import team_context
from query_engine.backends import get_backend
from query_engine.refresh import status as status_store
from query_engine.refresh.cache import query_cache_key
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results
from tests.async_helpers import age_cached, poll, wait_for_job
from tests.factories import make_key

PUBLIC_KEYS = {*status_store.PUBLIC_FIELDS, "query_progress"}


def _start(team, query, **kwargs):
    response = query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_ASYNC, **kwargs)
    return response["query_status"]


def _url(team, query_id):
    return f"/api/projects/{team.id}/query/{query_id}/"


def test_poll_until_complete(api, team, count_runner, celery_worker, clickhouse_schema):
    query = {"kind": "CountTestQuery", "n": 20, "sleep": 0.02}  # 2 blocks of 10 rows, 0.2 s each
    started = _start(team, query, query_id="job-1")
    first = api.get(_url(team, "job-1"))
    assert first.status_code in (200, 202)
    assert set(first.json()["query_status"]) == PUBLIC_KEYS
    done = poll(api, team.id, "job-1")
    assert done.status_code == 200, done.json()
    body = done.json()["query_status"]
    # count 20, sum 0+…+19 = 190
    assert body["results"]["results"] == [{"count": 20, "sum": 190}]
    assert body["complete"] is True and body["error"] is False and body["error_message"] is None
    assert body["id"] == "job-1" and body["task_id"] == started["task_id"] and body["team_id"] == team.id
    assert body["start_time"] <= body["pickup_time"] <= body["end_time"]
    assert body["query_progress"] is None
    # A finished status lives as long as the cached result it produced (7 days).
    expires = datetime.fromisoformat(body["expiration_time"].replace("Z", "+00:00"))
    assert expires > datetime.now(UTC) + timedelta(days=6, hours=23)
    # The environments prefix serves the same record.
    assert api.get(f"/api/environments/{team.id}/query/job-1").status_code == 200


@pytest.mark.chdb_only  # live progress comes from chDB's per-block callback; a server reports at the end
def test_progress_is_reported_while_running(api, team, count_runner, celery_worker, clickhouse_schema):
    # 80 rows in 10-row blocks, 0.05 s per row: 8 blocks of 0.5 s each.
    _start(team, {"kind": "CountTestQuery", "n": 80, "sleep": 0.05}, query_id="slow")
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = api.get(_url(team, "slow"), {"show_progress": "true"})
        if response.status_code != 202:
            break
        progress = response.json()["query_status"]["query_progress"]
        if progress:
            seen.append(progress)
        time.sleep(0.1)
    assert response.status_code == 200
    partial = [p for p in seen if 0 < p["rows_read"] < 80]
    assert partial, f"no partial progress seen: {seen}"
    for p in partial:
        assert p["estimated_rows_total"] == 80
        assert p["bytes_read"] == p["rows_read"] * 8  # numbers() reads one UInt64 per row
        assert set(p) == {
            "bytes_read",
            "rows_read",
            "estimated_rows_total",
            "time_elapsed",
            "active_cpu_time",
        }
    assert [p["rows_read"] for p in seen] == sorted(p["rows_read"] for p in seen)
    # Without show_progress, and once complete, there is none.
    assert response.json()["query_status"]["query_progress"] is None


@pytest.mark.parametrize(
    ("failure", "http_status", "message"),
    [
        ("user", 400, "The test runner refuses this query."),
        # ClickHouse's own text (throwIf's message) stays in the log; its error code is shown.
        ("clickhouse", 400, "The event store could not run the query (ClickHouse error 395)."),
        ("internal", 500, None),
    ],
)
def test_a_failing_job_reports_its_error(
    failure, http_status, message, api, team, count_runner, celery_worker, clickhouse_schema
):
    _start(team, {"kind": "CountTestQuery", "fail": failure}, query_id=f"fail-{failure}")
    response = poll(api, team.id, f"fail-{failure}")
    assert response.status_code == http_status
    body = response.json()["query_status"]
    assert body["complete"] is True and body["error"] is True and body["results"] is None
    if message is None:
        assert body["error_message"] is None  # internal errors are logged, not shown
    else:
        assert message in body["error_message"]
        assert "test failure from ClickHouse" not in body["error_message"]
    assert body["end_time"] is not None


def test_cancel_a_running_job(api, team, count_runner, celery_worker, clickhouse_schema):
    _start(team, {"kind": "CountTestQuery", "n": 30, "sleep": 0.03}, query_id="to-cancel")
    deadline = time.monotonic() + 10
    while status_store.get(team.id, "to-cancel").pickup_time is None and time.monotonic() < deadline:
        time.sleep(0.02)
    response = api.delete(_url(team, "to-cancel"))
    assert response.status_code == 200 and response.json() == {"message": "Query cancelled"}
    assert api.get(_url(team, "to-cancel")).status_code == 404
    # Whatever the query was doing finishes within ~1 s; the cancelled status stays gone.
    time.sleep(1.5)
    assert api.get(_url(team, "to-cancel")).status_code == 404


def test_dequeue_a_job_before_it_runs(api, team, count_runner, celery_worker, clickhouse_schema):
    # Two 1 s jobs occupy the worker's two threads; the third waits in the queue.
    _start(team, {"kind": "CountTestQuery", "n": 20, "sleep": 0.05}, query_id="busy-1")
    _start(team, {"kind": "CountTestQuery", "n": 21, "sleep": 0.05}, query_id="busy-2")
    _start(team, {"kind": "CountTestQuery", "n": 5}, query_id="queued")
    if status_store.get(team.id, "queued").pickup_time is not None:
        pytest.fail("the third job started before the first two finished")
    response = api.delete(_url(team, "queued"), QUERY_STRING="dequeue_only=true")
    assert response.status_code == 200 and response.json() == {"message": "Query dequeued"}
    wait_for_job(team.id, "busy-1")
    wait_for_job(team.id, "busy-2")
    time.sleep(0.5)
    assert count_runner.calls == 2  # the dequeued job never ran
    assert api.get(_url(team, "queued")).status_code == 404


def test_cancel_after_completion_says_so(api, team, count_runner, celery_worker, clickhouse_schema):
    _start(team, {"kind": "CountTestQuery", "n": 3}, query_id="quick")
    wait_for_job(team.id, "quick")
    response = api.delete(_url(team, "quick"))
    assert response.status_code == 200 and response.json() == {"message": "Query already complete"}
    assert api.get(_url(team, "quick")).status_code == 200


def test_unknown_and_foreign_ids(api, client, team, outsider, count_runner, celery_worker, clickhouse_schema):
    missing = api.get(_url(team, "never-queued"))
    assert missing.status_code == 404
    assert missing.json()["type"] == "invalid_request" and missing.json()["code"] == "not_found"
    _start(team, {"kind": "CountTestQuery", "n": 3}, query_id="mine")
    wait_for_job(team.id, "mine")
    # Another organization's owner cannot see it, under their team or under ours.
    assert client.get(_url(outsider.team, "mine"), **outsider.auth).status_code == 404
    other = client.get(_url(team, "mine"), **outsider.auth)
    assert other.status_code == 404 and other.json()["detail"] == "Project not found."


def test_scope_query_read_is_needed_for_poll_and_cancel(client, owner, team, clickhouse_schema, db):
    insight_only = make_key(owner.user, ["insight:read"])
    response = client.get(_url(team, "x"), HTTP_AUTHORIZATION=f"Bearer {insight_only}")
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'query:read'"
    query_read = make_key(owner.user, ["query:read"])
    assert client.get(_url(team, "x"), HTTP_AUTHORIZATION=f"Bearer {query_read}").status_code == 404
    cancel = client.delete(_url(team, "x"), HTTP_AUTHORIZATION=f"Bearer {query_read}")
    assert cancel.status_code == 200 and cancel.json() == {"message": "Query cancelled"}


def test_concurrent_blocking_refreshes_of_a_stale_result_compute_once(team, count_runner, clickhouse_schema):
    query = {"kind": "CountTestQuery", "n": 20, "sleep": 0.03}  # ~0.6 s to compute
    query_results(team=team_context(team), query=query, mode=ExecutionMode.BLOCKING)
    stale_at = age_cached(query_cache_key(team=team_context(team), query=query), timedelta(minutes=10))
    barrier = threading.Barrier(3)
    answers = []

    def ask():
        barrier.wait()
        answers.append(query_results(team=team_context(team), query=query, mode=ExecutionMode.BLOCKING))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert count_runner.calls == 2  # the warm-up and one refresh for three clients
    assert len({a["last_refresh"] for a in answers}) == 1 and answers[0]["last_refresh"] > stale_at
    assert all(a["results"] == [{"count": 20, "sum": 190}] for a in answers)
    assert sorted(a["is_cached"] for a in answers) == [False, True, True]


def test_concurrent_async_refreshes_share_one_job(team, count_runner, celery_worker, clickhouse_schema):
    query = {"kind": "CountTestQuery", "n": 20, "sleep": 0.03}
    query_results(team=team_context(team), query=query, mode=ExecutionMode.BLOCKING)
    key = query_cache_key(team=team_context(team), query=query)
    age_cached(key, timedelta(minutes=10))
    first = query_results(team=team_context(team), query=query, mode=ExecutionMode.ASYNC)
    second = query_results(team=team_context(team), query=query, mode=ExecutionMode.ASYNC)
    assert first["query_status"]["task_id"] == second["query_status"]["task_id"]
    # While it runs, a cache-only read carries the running job's status.
    running = query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_CACHE)
    assert running["is_cached"] is True
    assert (
        running["query_status"] is None
        or running["query_status"]["task_id"] == first["query_status"]["task_id"]
    )
    wait_for_job(team.id, key)
    assert count_runner.calls == 2


def test_a_forced_refresh_does_not_reuse_a_computation_that_began_earlier(
    team, count_runner, clickhouse_schema
):
    query = {"kind": "CountTestQuery", "n": 20, "sleep": 0.03}
    results = []
    early = threading.Thread(
        target=lambda: results.append(
            query_results(team=team_context(team), query=query, mode=ExecutionMode.BLOCKING)
        )
    )
    early.start()
    time.sleep(0.2)  # the first computation holds the lock by now
    forced = query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_BLOCKING)
    early.join(30)
    assert count_runner.calls == 2
    assert forced["last_refresh"] > results[0]["last_refresh"] and forced["is_cached"] is False


def test_async_miss_after_a_failure_shows_the_error_and_force_async_retries(
    team, count_runner, celery_worker, clickhouse_schema
):
    query = {"kind": "CountTestQuery", "fail": "user"}
    key = query_cache_key(team=team_context(team), query=query)
    first = query_results(team=team_context(team), query=query, mode=ExecutionMode.ASYNC)["query_status"]
    failed = wait_for_job(team.id, key)
    assert failed.error is True and failed.task_id == first["task_id"]
    # Nothing cached and the job failed: async answers with that failure instead of failing again.
    again = query_results(team=team_context(team), query=query, mode=ExecutionMode.ASYNC)
    assert again["results"] is None
    assert again["query_status"]["error"] is True and again["query_status"]["task_id"] == first["task_id"]
    assert count_runner.calls == 1
    retried = query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_ASYNC)[
        "query_status"
    ]
    assert retried["task_id"] != first["task_id"] and retried["complete"] is False
    wait_for_job(team.id, key)
    assert count_runner.calls == 2


def test_a_cache_only_read_reports_the_job_computing_it(team, count_runner, celery_worker, clickhouse_schema):
    query = {"kind": "CountTestQuery", "n": 30, "sleep": 0.03}  # ~0.9 s
    started = query_results(team=team_context(team), query=query, mode=ExecutionMode.ASYNC)["query_status"]
    during = query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_CACHE)
    assert during["results"] is None and during["last_refresh"] is None
    assert during["query_status"]["task_id"] == started["task_id"]
    assert during["query_status"]["complete"] is False
    wait_for_job(team.id, started["id"])
    after = query_results(team=team_context(team), query=query, mode=ExecutionMode.FORCE_CACHE)
    # count 30, sum 0+…+29 = 435
    assert after["results"] == [{"count": 30, "sum": 435}] and after["query_status"] is None


def test_a_cancelled_job_never_writes_over_its_replacement(
    api, team, count_runner, celery_worker, clickhouse_schema
):
    query = {"kind": "CountTestQuery", "n": 30, "sleep": 0.03}  # ~0.9 s
    old = _start(team, query, query_id="again")
    deadline = time.monotonic() + 10
    while status_store.get(team.id, "again").pickup_time is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert api.delete(_url(team, "again")).json() == {"message": "Query cancelled"}
    new = _start(team, query, query_id="again")
    assert new["task_id"] != old["task_id"]
    done = poll(api, team.id, "again")
    body = done.json()["query_status"]
    assert done.status_code == 200 and body["task_id"] == new["task_id"]
    assert body["results"]["results"] == [{"count": 30, "sum": 435}]
    time.sleep(0.3)  # whatever the cancelled task does now, the record stays the new job's
    assert api.get(_url(team, "again")).json()["query_status"]["task_id"] == new["task_id"]


def test_another_project_cannot_cancel_a_query_by_its_id(
    api, client, team, outsider, count_runner, celery_worker, clickhouse_schema, monkeypatch
):
    killed: list[str] = []
    backend = get_backend()
    monkeypatch.setattr(backend, "cancel", lambda query_id: killed.append(query_id) or True)
    # Team A's job runs ~0.6 s (20 rows, 0.03 s each) under the client id "shared".
    _start(team, {"kind": "CountTestQuery", "n": 20, "sleep": 0.03}, query_id="shared")
    statement = status_store.get(team.id, "shared").statement_id
    assert statement.startswith(f"team{team.id}:shared:")  # ClickHouse query ids carry the project
    # Team B sends the same id (and A's statement id) through every cancel route it has.
    for query_id in ("shared", statement):
        assert client.delete(_url(outsider.team, query_id), **outsider.auth).status_code == 200
        insights = f"/api/projects/{outsider.team.id}/insights/cancel/"
        sent = client.post(insights, {"client_query_id": query_id}, format="json", **outsider.auth)
        assert sent.status_code == 201
    assert killed == []  # no KILL QUERY was sent for a statement B does not own
    done = poll(api, team.id, "shared")
    assert done.json()["query_status"]["results"]["results"] == [{"count": 20, "sum": 190}]
    # Team A's own cancel names A's statement.
    _start(team, {"kind": "CountTestQuery", "n": 20, "sleep": 0.03}, query_id="mine-to-stop")
    own = status_store.get(team.id, "mine-to-stop").statement_id
    assert (
        api.post(f"/api/projects/{team.id}/insights/cancel/", {"client_query_id": "mine-to-stop"}).status_code
        == 201
    )
    assert killed == [own]
