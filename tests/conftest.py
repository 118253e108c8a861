from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from analytics.ingestion.writer import get_writer
from query_engine.backends import get_backend
from query_engine.schema.apply import apply_migrations
from tenancy.models import OrganizationMembership
from tests.event_store_guard import MESSAGE, Guard
from tests.factories import Persona, make_org_with_team, persona

EVENT_TABLES = (
    "events",
    "person",
    "person_distinct_id2",
    "person_distinct_id_overrides",
    "event_uuids",
    "sessions",
    "group_type_mapping",
    "groups",
    "group_type_names",
    "cohortpeople",
    "property_usage",
    "property_column_rules",
)


def _asks_for_event_store(request: pytest.FixtureRequest) -> bool:
    names = set(request.fixturenames)
    return bool({"clickhouse", "clickhouse_schema"} & names) or (
        request.node.get_closest_marker("clickhouse") is not None
    )


def pytest_collection_modifyitems(config, items):
    """Server mode (CLICKHOUSE_URL) skips the few tests about embedded chDB itself."""
    from django.conf import settings

    if not settings.CLICKHOUSE_URL:
        return
    skip = pytest.mark.skip(reason="chdb_only: needs embedded chDB, not a ClickHouse server")
    for item in items:
        if item.get_closest_marker("chdb_only") is not None:
            item.add_marker(skip)


def _wait_for_worker_tasks(seconds: float = 15.0) -> None:
    """Until this process's Celery worker holds no task (received, reserved or running) for
    two looks in a row; bounded, so a stuck task fails its own test, not this wait."""
    import time

    from celery.worker import state

    deadline = time.monotonic() + seconds
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        busy = state.active_requests or state.reserved_requests or state.requests
        quiet = 0 if busy else quiet + 1
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def event_store_guard(request):
    """Blocks the event store for tests that did not ask for it (tests/event_store_guard.py)."""
    if _asks_for_event_store(request):
        yield None
        # Tasks this test queued (an async query nobody polled to the end) run in this
        # process's worker threads: finished now, they cannot reach the next test's blocked one.
        _wait_for_worker_tasks()
        # The writer's insert thread writes journaled rows a moment later: done now, while this
        # test's backend is in place, they cannot land in the next test's blocked one.
        get_writer().flush()
        return
    with Guard() as guard:
        yield guard
    if guard.reached:
        pytest.fail(f"{MESSAGE} (used: {', '.join(sorted(set(guard.reached)))})", pytrace=False)


@pytest.fixture(scope="session")
def clickhouse_double(tmp_path_factory):
    """A ClickHouse HTTP test double (tests/clickhouse_double) of this test process's own."""
    from tests.double_process import Double

    double = Double(tmp_path_factory.mktemp("clickhouse-double")).start()
    yield double
    double.stop()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def clickhouse_schema():
    backend = get_backend()
    apply_migrations(backend)
    return backend


@pytest.fixture
def clickhouse(clickhouse_schema):
    """The event store, emptied before the test (team ids repeat across tests)."""
    get_writer().flush()  # journaled rows of the last test go in before the tables are emptied
    for table in EVENT_TABLES:
        clickhouse_schema.command(f"TRUNCATE TABLE IF EXISTS {table}")
    get_writer().forget()  # its in-memory persons and uuids described the old tables
    return clickhouse_schema


@pytest.fixture
def team(db):
    _, team = make_org_with_team("Acme")
    return team


@pytest.fixture
def owner(team) -> Persona:
    """Organization owner with a ``*`` key: the person who set the project up."""
    return persona("alice@example.com", team, level=OrganizationMembership.Level.OWNER)


@pytest.fixture
def member(team) -> Persona:
    return persona("bob@example.com", team)


@pytest.fixture
def outsider(db) -> Persona:
    """Owner of another organization's project."""
    _, other_team = make_org_with_team("Globex")
    return persona("charlie@example.com", other_team, level=OrganizationMembership.Level.OWNER)


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def api(owner) -> APIClient:
    """A client authenticated as the owner's ``*`` key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.key}")
    return client


@pytest.fixture
def count_runner():
    """Registers the test-only ``CountTestQuery`` runner (a real ClickHouse query)."""
    from query_engine.runners.registry import RUNNERS
    from tests.count_runner import CountRunner

    RUNNERS["CountTestQuery"] = CountRunner
    CountRunner.calls = 0
    yield CountRunner
    RUNNERS.pop("CountTestQuery", None)


@pytest.fixture(scope="session")
def _celery_worker_session():
    """One real Celery worker per test process: Celery's test worker on the Redis broker
    when REDIS_URL is set, else the embedded worker the web process runs."""
    from django.conf import settings

    from insights_api.celery import app
    from query_engine.refresh import worker

    if settings.REDIS_URL:
        from celery.contrib.testing.worker import start_worker

        # Celery's test worker is this process's only consumer (jobs queued by earlier
        # tests may have started the embedded one): tests count on its two threads.
        settings.CELERY_EMBEDDED_WORKER = False
        worker.stop_embedded_worker()
        import query_engine.refresh.tasks  # noqa: F401 (registers the tasks)

        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
            yield "redis"
    else:
        worker.ensure_embedded_worker()
        yield "embedded"
        worker.stop_embedded_worker()


@pytest.fixture
def celery_worker(transactional_db, _celery_worker_session):
    """A worker that can see the test's rows (so the test's data is committed)."""
    return _celery_worker_session
