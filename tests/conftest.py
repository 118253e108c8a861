from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from analytics.models import OrganizationMembership
from query_engine.backends import get_backend
from query_engine.schema.apply import apply_migrations
from tests.factories import Persona, make_org_with_team, persona

EVENT_TABLES = (
    "events",
    "person",
    "person_distinct_id2",
    "person_distinct_id_overrides",
    "event_uuids",
    "group_type_mapping",
)


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
    for table in EVENT_TABLES:
        clickhouse_schema.command(f"TRUNCATE TABLE IF EXISTS {table}")
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
