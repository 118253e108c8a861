"""``GroupsQuery`` on ``/query/`` and the HogQL ``groups`` table, through HTTP on both
prefixes: columns, search, group property filters, ordering, paging, refusals, isolation.
Expected rows are read off ``groups`` by hand."""

from __future__ import annotations

import pytest

from tests.engine_events import store_events
from tests.query_api import post_query
from tests.test_groups_api import identify

pytestmark = pytest.mark.clickhouse


@pytest.fixture
def groups(api, team, outsider, clickhouse):
    # company (index 0), created in this order: acme, globex, initrode (no name), acme-labs;
    # project (index 1): p1. The outsider's project has a company named like ours.
    store_events(
        api,
        team,
        [
            identify("company", "acme", {"name": "Acme", "plan": "pro", "seats": 10}, "2024-01-01T10:00:00Z"),
            identify("company", "globex", {"name": "Globex", "plan": "free"}, "2024-01-01T11:00:00Z"),
            identify("company", "initrode", {"plan": "pro"}, "2024-01-01T12:00:00Z"),
            identify("company", "acme-labs", {"name": "Acme Labs", "plan": "free"}, "2024-01-01T13:00:00Z"),
            identify("project", "p1", {"name": "Rocket"}, "2024-01-02T09:00:00Z"),
        ],
    )
    store_events(
        api,
        outsider.team,
        [identify("company", "secret", {"name": "Acme secret", "plan": "pro"}, "2024-01-01T14:00:00Z")],
    )
    return team


@pytest.fixture(params=["projects", "environments"])
def query(request, api, groups):
    def run(**node):
        return post_query(api, groups, {"kind": "GroupsQuery", **node}, prefix=request.param)

    return run


def _name(display, key):
    return {"display_name": display, "key": key}


def test_default_columns_are_the_group_name_newest_first(query):
    body = query(group_type_index=0).json()
    assert body["columns"] == ["group_name"]
    assert body["results"] == [
        [_name("Acme Labs", "acme-labs")],
        [_name("initrode", "initrode")],  # no name property: the key stands in
        [_name("Globex", "globex")],
        [_name("Acme", "acme")],
    ]
    assert body["hasMore"] is False and body["limit"] == 100 and body["offset"] == 0
    assert query(group_type_index=1).json()["results"] == [[_name("Rocket", "p1")]]


def test_search_matches_name_or_key_closest_first(query):
    # "acme": Acme (exact) before Acme Labs (prefix); the outsider's "Acme secret" never shows.
    assert query(group_type_index=0, search="acme").json()["results"] == [
        [_name("Acme", "acme")],
        [_name("Acme Labs", "acme-labs")],
    ]
    assert query(group_type_index=0, search="INITR").json()["results"] == [[_name("initrode", "initrode")]]
    assert query(group_type_index=0, search="nobody").json()["results"] == []


def test_select_property_filters_and_order(query):
    pro = [{"key": "plan", "value": "pro", "operator": "exact", "type": "group", "group_type_index": 0}]
    body = query(
        group_type_index=0, select=["key", "properties.plan"], properties=pro, orderBy=["key ASC"]
    ).json()
    assert body["columns"] == ["key", "properties.plan"]
    assert body["results"] == [["acme", "pro"], ["initrode", "pro"]]
    seats = [{"key": "seats", "value": 5, "operator": "gt", "type": "group", "group_type_index": 0}]
    assert query(group_type_index=0, select=["key"], properties=seats).json()["results"] == [["acme"]]
    unnamed = [{"key": "name", "operator": "is_not_set", "type": "group", "group_type_index": 0}]
    assert query(group_type_index=0, select=["key"], properties=unnamed).json()["results"] == [["initrode"]]
    by_name = query(group_type_index=0, select=["group_name"], orderBy=["group_name ASC"]).json()["results"]
    assert [row[0]["key"] for row in by_name] == ["acme", "acme-labs", "globex", "initrode"]


def test_aggregates_and_paging(query):
    assert query(group_type_index=0, select=["count()"]).json()["results"] == [[4]]
    assert query(group_type_index=1, select=["count()"]).json()["results"] == [[1]]
    first = query(group_type_index=0, select=["key"], orderBy=["key ASC"], limit=3).json()
    assert first["results"] == [["acme"], ["acme-labs"], ["globex"]] and first["hasMore"] is True
    rest = query(group_type_index=0, select=["key"], orderBy=["key ASC"], limit=3, offset=3).json()
    assert rest["results"] == [["initrode"]] and rest["hasMore"] is False


@pytest.mark.parametrize(
    ("node", "attr"),
    [
        ({}, "group_type_index"),
        ({"group_type_index": 5}, "group_type_index"),
        ({"group_type_index": 0, "unknown": 1}, "unknown"),
        ({"group_type_index": 0, "select": ["nosuch"]}, "select__0"),
        ({"group_type_index": 0, "orderBy": ["nosuch DESC"]}, "orderBy__0"),
        ({"group_type_index": 0, "limit": -1}, "limit"),
        ({"group_type_index": 0, "select": ["count()"], "orderBy": ["key"]}, "orderBy"),
        ({"group_type_index": 0, "search": 3}, "search"),
        (
            {"group_type_index": 0, "properties": [{"key": "plan", "value": "pro", "type": "event"}]},
            "properties",
        ),
        (
            {
                "group_type_index": 0,
                "properties": [{"key": "plan", "value": "pro", "type": "group", "group_type_index": 1}],
            },
            "properties",
        ),
    ],
)
def test_refusals_name_the_field(query, node, attr):
    response = query(**node)
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr


def test_hogql_groups_table(api, groups, outsider):
    def hogql(text, team=groups):
        return post_query(api, team, {"kind": "HogQLQuery", "query": text}).json()

    body = hogql("select key, properties.plan, index from groups where index = 0 order by key")
    assert body["results"] == [
        ["acme", "pro", 0],
        ["acme-labs", "free", 0],
        ["globex", "free", 0],
        ["initrode", "pro", 0],
    ]
    assert hogql("select count() from groups")["results"] == [[5]]
    assert hogql("select key from groups where properties.name ilike '%secret%'")["results"] == []
    assert hogql("select toString(created_at) from groups where key = 'p1'")["results"] == [
        ["2024-01-02 09:00:00.000000"]
    ]
    # The outsider's own query sees only its group.
    theirs = post_query(
        outsider_client(outsider), outsider.team, {"kind": "HogQLQuery", "query": "select key from groups"}
    ).json()
    assert theirs["results"] == [["secret"]]


def outsider_client(outsider):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {outsider.key}")
    return client
