"""Production shape, for real: gunicorn with 3 web processes and a separate Celery worker on
Redis, all on one ClickHouse server (tests/clickhouse_double), PostgreSQL for metadata.

Ingestion from many connections at once keeps every event once; identical blocking refreshes
in different processes compute once; an async job computed by the worker is polled through
the web processes; a cancel kills the running statement; a worker killed with -9 mid-query
leaves a job that fails (lost its worker) and a retry that works. The test starts its own
PostgreSQL, Redis, double, server and worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import clickhouse_connect
import pytest
import requests

from query_engine.refresh.lease import LOST_MESSAGE
from tests.double_process import Double
from tests.live_stack import ROOT, VENV_BIN, Postgres, Redis, Server, have_binaries, wait_for

pytestmark = [
    pytest.mark.skipif(
        not have_binaries("initdb", "pg_ctl", "redis-server"), reason="needs PostgreSQL and Redis binaries"
    ),
    # Self-contained, but slow (its own stack of five processes): run once, in the server-mode suite.
    pytest.mark.skipif(not os.environ.get("CLICKHOUSE_URL"), reason="runs in the server-mode suite"),
]

DAY = "2024-03-01"
WEB_WORKERS = 3
LEASE_SECONDS = 2


@dataclass
class Worker:
    """``celery -A insights_api worker`` in its own process (threads: one pid to kill)."""

    directory: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None

    def start(self) -> Worker:
        path = self.directory / "worker.log"
        offset = path.stat().st_size if path.exists() else 0
        log = open(self.directory / "worker.log", "ab")  # noqa: SIM115 (lives with the process)
        self.process = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "insights_api", "worker", "--pool", "threads",
             "--concurrency", "2", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(lambda: "ready." in self.log()[offset:], timeout=90, what="celery worker")
        return self

    def log(self) -> str:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"worker exited: {(self.directory / 'worker.log').read_text()[-3000:]}")
        return (self.directory / "worker.log").read_text(errors="replace")

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class Stack:
    server: Server
    double: Double
    worker: Worker
    directory: Path

    def url(self, path: str) -> str:
        return f"{self.server.base}/api/projects/{self.server.team_id}/{path}"

    def query(self, query: dict, **extra) -> requests.Response:
        return requests.post(
            self.url("query/"), json={"query": query, **extra}, headers=self.server.auth, timeout=60
        )

    def status(self, query_id: str) -> requests.Response:
        return requests.get(self.url(f"query/{query_id}/"), headers=self.server.auth, timeout=30)

    def events(self) -> clickhouse_connect.driver.Client:
        return clickhouse_connect.get_client(
            host="127.0.0.1", port=self.double.port, database="insights", autogenerate_session_id=False
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("multiprocess")
    postgres = Postgres().start()
    redis = Redis(directory).start()
    double = Double(directory).start()
    server = Server(
        directory,
        env={
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "CLICKHOUSE_URL": double.url,
            "WEB_WORKERS": str(WEB_WORKERS),
            "CELERY_EMBEDDED_WORKER": "false",
            "QUERY_LEASE_SECONDS": str(LEASE_SECONDS),
        },
    )
    worker = None
    try:
        server.prepare().start()
        worker = Worker(directory, server.environment()).start()
        yield Stack(server=server, double=double, worker=worker, directory=directory)
    finally:
        if worker is not None:
            worker.stop()
        server.kill()
        double.stop()
        redis.stop()
        postgres.stop()


def trends(event: str) -> dict:
    return {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": event, "math": "total"}],
        "dateRange": {"date_from": DAY, "date_to": DAY},
    }


def capture(stack: Stack, events: list[dict]) -> requests.Response:
    body = {"api_key": stack.server.project["api_token"], "batch": events}
    # A new connection per request: gunicorn hands each to whichever web process accepts it.
    with requests.Session() as session:
        return session.post(f"{stack.server.base}/batch/", json=body, timeout=60)


def wait_running(stack: Stack, marker: str, timeout: float = 30) -> None:
    """Until the double is running (or holding, by a fault delay) a statement bound to ``marker``."""

    def running() -> bool:
        ids = set(stack.double.running())
        return any(
            entry["query_id"] in ids and marker in entry["params"].values()
            for entry in stack.double.queries()
        )

    wait_for(running, timeout=timeout, what=f"a running statement for {marker}")


def test_the_server_runs_three_web_processes(stack):
    master = stack.server.process.pid
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    assert len(children) == WEB_WORKERS


def test_concurrent_ingestion_from_several_processes_stores_every_event_once(stack):
    """8 clients send 10 batches each; every batch shares persons with the others, and every
    second batch is sent twice (a retry): the per-project lock keeps dedup and persons right."""
    users = [f"user-{n}" for n in range(12)]

    def batch(client: int, number: int) -> list[dict]:
        return [
            {
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{client}-{number}-{n}")),
                "event": "mp_ingest",
                "distinct_id": users[(client + number + n) % len(users)],
                "timestamp": f"{DAY}T10:{number:02d}:{n:02d}Z",
                "properties": {"$set": {"last_client": client}},
            }
            for n in range(5)
        ]

    def client(index: int) -> list[int]:
        statuses = []
        for number in range(10):
            events = batch(index, number)
            statuses.append(capture(stack, events).status_code)
            if number % 2 == 0:
                statuses.append(capture(stack, events).status_code)  # the retry of a batch
        return statuses

    with ThreadPoolExecutor(8) as pool:
        statuses = [status for result in pool.map(client, range(8)) for status in result]
    assert set(statuses) == {200} and len(statuses) == 8 * 15

    events = stack.events()
    total, unique = events.query(
        "SELECT count(), uniqExact(uuid) FROM events WHERE event = 'mp_ingest'"
    ).result_rows[0]
    assert (total, unique) == (8 * 10 * 5, 8 * 10 * 5)
    # One person per distinct id, however many processes saw it first.
    persons = events.query(
        "SELECT count(DISTINCT person_id), count(DISTINCT distinct_id) FROM events WHERE event = 'mp_ingest'"
    ).result_rows[0]
    assert persons == (len(users), len(users))
    answered = stack.query(trends("mp_ingest")).json()
    assert answered["results"][0]["data"] == [400]


def test_identical_blocking_refreshes_in_different_processes_compute_once(stack):
    assert capture(stack, [{"event": "mp_single", "distinct_id": "s", "timestamp": f"{DAY}T09:00:00Z"}]).ok
    stack.double.set_faults([{"match": "mp_single", "delay": 2.0}])
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: stack.query(trends("mp_single"), refresh="blocking"), range(6)))
    finally:
        stack.double.set_faults([])
    assert [a.status_code for a in answers] == [200] * 6
    assert all(a.json()["results"][0]["data"] == [1] for a in answers)
    computed = [e for e in stack.double.queries() if "mp_single" in e["params"].values()]
    control = len([e for e in stack.double.queries() if "mp_control" in e["params"].values()])
    stack.query(trends("mp_control"), refresh="blocking")
    control = len([e for e in stack.double.queries() if "mp_control" in e["params"].values()]) - control
    assert control >= 1 and len(computed) == control  # one computation's statements, not six
    assert sum(not a.json()["is_cached"] for a in answers) == 1


def test_an_async_job_computed_by_the_worker_is_polled_through_the_web_processes(stack):
    assert capture(
        stack,
        [{"event": "mp_async", "distinct_id": f"a{n}", "timestamp": f"{DAY}T08:00:00Z"} for n in range(3)],
    ).ok
    stack.double.set_faults([{"match": "mp_async", "delay": 1.0}])
    try:
        started = stack.query(trends("mp_async"), refresh="force_async", client_query_id="mp-async-1")
        assert started.status_code == 202, started.text
        query_id = started.json()["query_status"]["id"]
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            polled = stack.status(query_id)
            seen.append(polled.status_code)
            if polled.status_code != 202:
                break
            time.sleep(0.1)
    finally:
        stack.double.set_faults([])
    assert 202 in seen and polled.status_code == 200
    body = polled.json()["query_status"]
    assert body["complete"] is True and body["results"]["results"][0]["data"] == [3]
    assert "process_query" in stack.worker.log()  # the worker process computed it


def test_cancel_kills_the_running_statement(stack):
    assert capture(stack, [{"event": "mp_cancel", "distinct_id": "c", "timestamp": f"{DAY}T07:00:00Z"}]).ok
    stack.double.set_faults([{"match": "mp_cancel", "delay": 60.0}])
    try:
        started = stack.query(trends("mp_cancel"), refresh="force_async", client_query_id="mp-cancel-1")
        query_id = started.json()["query_status"]["id"]
        wait_running(stack, "mp_cancel")
        cancelled = requests.delete(stack.url(f"query/{query_id}/"), headers=stack.server.auth, timeout=30)
        assert cancelled.status_code == 200 and cancelled.json() == {"message": "Query cancelled"}
        wait_for(lambda: query_id not in stack.double.running(), timeout=10, what="the statement killed")
    finally:
        stack.double.set_faults([])
    assert stack.status(query_id).status_code == 404  # a cancelled job is forgotten
    # The worker goes on serving.
    again = stack.query(trends("mp_cancel"), refresh="force_blocking")
    assert again.status_code == 200 and again.json()["results"][0]["data"] == [1]


def test_a_worker_killed_mid_query_fails_its_job_and_a_retry_works(stack):
    assert capture(
        stack,
        [{"event": "mp_kill", "distinct_id": f"k{n}", "timestamp": f"{DAY}T06:00:00Z"} for n in range(2)],
    ).ok
    stack.double.set_faults([{"match": "mp_kill", "delay": 60.0}])
    started = stack.query(trends("mp_kill"), refresh="force_async", client_query_id="mp-kill-1")
    query_id = started.json()["query_status"]["id"]
    wait_running(stack, "mp_kill")
    stack.worker.kill9()
    stack.double.set_faults([])
    polled = stack.status(query_id)
    deadline = time.monotonic() + LEASE_SECONDS + 20
    while polled.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
        polled = stack.status(query_id)
    assert polled.status_code == 400, polled.text
    body = polled.json()["query_status"]
    assert (body["complete"], body["error"], body["error_message"]) == (True, True, LOST_MESSAGE)

    stack.worker = stack.worker.start()  # the worker is restarted, as a supervisor would
    retried = stack.query(trends("mp_kill"), refresh="force_async", client_query_id="mp-kill-1")
    assert retried.status_code == 202
    deadline = time.monotonic() + 60
    polled = stack.status(query_id)
    while polled.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.1)
        polled = stack.status(query_id)
    assert polled.status_code == 200, polled.text
    assert polled.json()["query_status"]["results"]["results"][0]["data"] == [2]
