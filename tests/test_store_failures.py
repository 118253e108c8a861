"""Redis stopped or paused, PostgreSQL paused: every route class answers within 5 s with
a working fallback or a 503 in the envelope (never a 500, never a hang), then recovers
without a restart. The test starts its own PostgreSQL, Redis and server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.live_stack import Postgres, Redis, Server, have_binaries

pytestmark = pytest.mark.skipif(
    not have_binaries("initdb", "pg_ctl", "redis-server"), reason="needs PostgreSQL and Redis binaries"
)

LIMIT_SECONDS = 5.0
TRENDS = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "signed_up"}]}


def _routes(server: Server, insight_id: int) -> dict[str, Callable[[], requests.Response]]:
    base, auth, team = server.base, server.auth, server.team_id
    project = f"{base}/api/projects/{team}"

    def get(url: str, **params) -> Callable[[], requests.Response]:
        return lambda: requests.get(url, headers=auth, params=params, timeout=30)

    def post(url: str, body: object, headers: dict | None = None) -> Callable[[], requests.Response]:
        return lambda: requests.post(url, json=body, headers=auth if headers is None else headers, timeout=30)

    return {
        "projects": get(f"{base}/api/projects/"),
        "users_me": get(f"{base}/api/users/@me/"),
        "insight_list": get(f"{project}/insights/"),
        "insight_retrieve": get(f"{project}/insights/{insight_id}/"),
        "dashboard_list": get(f"{project}/dashboards/"),
        "person_list": get(f"{project}/persons/"),
        "insight_create": post(
            f"{project}/insights/", {"name": "during", "query": {"kind": "InsightVizNode", "source": TRENDS}}
        ),
        "query_sync": post(f"{project}/query/", {"query": TRENDS}),
        "query_async": post(f"{project}/query/", {"query": TRENDS, "refresh": "force_async"}),
        "legacy_trend": get(f"{project}/insights/trend/", events='[{"id": "signed_up"}]'),
        "capture": post(
            f"{base}/batch/",
            {"api_key": server.project["api_token"], "batch": [{"event": "signed_up", "distinct_id": "u1"}]},
            headers={},
        ),
        "health": lambda: requests.get(f"{base}/_health", timeout=30),
    }


def _timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _check_degraded(routes, *, must_work: set[str]) -> dict[str, int]:
    """Every route answers in time with 2xx or a 503 envelope; ``must_work`` ones with 2xx."""
    statuses = {}
    for name, call in routes.items():
        response, took = _timed(call)
        statuses[name] = response.status_code
        assert took < LIMIT_SECONDS, f"{name} took {took:.1f}s"
        assert response.status_code < 500 or response.status_code == 503, (name, response.text[:300])
        if response.status_code == 503 and name != "health":
            body = response.json()
            assert body["type"] == "server_error" and body["code"] == "unavailable", (name, body)
        if name in must_work:
            assert response.status_code < 300, (name, response.status_code, response.text[:300])
    return statuses


def _recovered(routes) -> None:
    deadline = time.monotonic() + 20
    failing: dict[str, int] = {}
    while time.monotonic() < deadline:
        failing = {name: r.status_code for name, call in routes.items() if (r := call()).status_code >= 300}
        if not failing:
            return
        time.sleep(0.5)
    raise AssertionError(f"not recovered: {failing}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("stores")
    postgres = Postgres().start()
    redis = Redis(root).start()
    server = Server(
        root,
        env={
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "DB_CONNECT_TIMEOUT_SECONDS": "2",
            "DB_STATEMENT_TIMEOUT_SECONDS": "1",
            "DB_CONN_MAX_AGE": "60",
        },
    )
    try:
        server.prepare().start()
        yield postgres, redis, server
    finally:
        server.kill()
        redis.stop()
        postgres.stop()


@pytest.fixture(scope="module")
def routes(stack):
    _, _, server = stack
    created = requests.post(
        f"{server.base}/api/projects/{server.team_id}/insights/",
        json={"name": "kept", "query": {"kind": "InsightVizNode", "source": TRENDS}},
        headers=server.auth,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    all_routes = _routes(server, created.json()["id"])
    _recovered(all_routes)
    for name in ("insight_retrieve", "projects"):  # warm the caches a failure would lose
        all_routes[name]()
    return all_routes


# Everything a request needs is in PostgreSQL or recomputable: these keep working without Redis.
WORK_WITHOUT_REDIS = {
    "projects",
    "users_me",
    "insight_list",
    "insight_retrieve",
    "dashboard_list",
    "person_list",
    "insight_create",
    "query_sync",
    "legacy_trend",
    "capture",
}


def test_redis_stopped_then_restarted(stack, routes):
    _, redis, _ = stack
    redis.stop()
    try:
        statuses = _check_degraded(routes, must_work=WORK_WITHOUT_REDIS)
        assert statuses["health"] == 503
        assert statuses["query_async"] == 503  # a job's status cannot be tracked without the cache
        _check_degraded(routes, must_work=WORK_WITHOUT_REDIS)  # and again, with the failure known
    finally:
        redis.start()
    _recovered(routes)


def test_redis_paused_then_resumed(stack, routes):
    _, redis, _ = stack
    redis.pause()
    try:
        statuses = _check_degraded(routes, must_work=WORK_WITHOUT_REDIS)
        assert statuses["health"] == 503
    finally:
        redis.resume()
    _recovered(routes)


def test_postgres_paused_then_resumed(stack, routes):
    postgres, _, _ = stack
    postgres.pause()
    try:
        statuses = _check_degraded(routes, must_work=set())
        assert statuses["health"] == 503
        assert statuses["projects"] == 503 and statuses["insight_list"] == 503
        # Connections the failures discarded are not reused: still fast the second time.
        _check_degraded(routes, must_work=set())
    finally:
        postgres.resume()
    _recovered(routes)
