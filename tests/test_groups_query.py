"""``GroupsQuery`` on ``/query/`` and the HogQL ``groups`` table, through HTTP on both
prefixes: columns, search, group property filters, ordering, paging, refusals, isolation.
Expected rows are read off ``groups`` by hand."""

from __future__ import annotations

import json

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


@pytest.fixture(params=["projects", "environments"])
def hogql(request, api, groups):
    def run(text, client=api, team=groups):
        return post_query(client, team, {"kind": "HogQLQuery", "query": text}, prefix=request.param)

    return run


def test_hogql_groups_table(hogql, groups):
    body = hogql("select key, properties.plan, index from groups where index = 0 order by key").json()
    assert body["results"] == [
        ["acme", "pro", 0],
        ["acme-labs", "free", 0],
        ["globex", "free", 0],
        ["initrode", "pro", 0],
    ]
    assert hogql("select count() from groups").json()["results"] == [[5]]
    assert hogql("select key from groups where properties.name ilike '%secret%'").json()["results"] == []
    assert hogql("select toString(created_at) from groups where key = 'p1'").json()["results"] == [
        ["2024-01-02 09:00:00.000000"]
    ]
    star = hogql("select * from groups where key = 'p1'").json()
    assert star["columns"] == ["index", "key", "created_at", "team_id", "properties"]
    assert star["results"][0][:2] == [1, "p1"] and star["results"][0][3] == groups.id
    assert json.loads(star["results"][0][4]) == {"name": "Rocket"}


def test_hogql_groups_only_the_callers_project(hogql, outsider):
    # The outsider's own query sees only its group, and ours never sees it.
    theirs = hogql("select key from groups", client=outsider_client(outsider), team=outsider.team).json()
    assert theirs["results"] == [["secret"]]
    assert hogql("select count() from groups where key = 'secret'").json()["results"] == [[0]]


def test_hogql_groups_unknown_field_is_refused(hogql):
    response = hogql("select updated_at from groups")
    assert response.status_code == 400, response.json()
    assert "updated_at" in response.json()["detail"]


def test_hogql_event_group_joins(api, groups, hogql):
    # Two events in acme (company) and p1 (project), one in a company this project does not have
    # (the outsider's key: its group never joins here), one in none.
    store_events(
        api,
        groups,
        [
            {
                "event": "view",
                "distinct_id": "u1",
                "timestamp": "2024-01-03T10:00:00Z",
                "properties": {"$groups": {"company": "acme", "project": "p1"}},
            },
            {
                "event": "view",
                "distinct_id": "u1",
                "timestamp": "2024-01-03T11:00:00Z",
                "properties": {"$groups": {"company": "acme"}},
            },
            {
                "event": "view",
                "distinct_id": "u2",
                "timestamp": "2024-01-03T12:00:00Z",
                "properties": {"$groups": {"company": "secret"}},
            },
            {"event": "view", "distinct_id": "u3", "timestamp": "2024-01-03T13:00:00Z"},
        ],
    )
    body = hogql(
        "select distinct_id, group_0.key, group_0.properties.name, group_1.properties.name "
        "from events where event = 'view' order by timestamp"
    ).json()
    assert body["results"] == [
        ["u1", "acme", "Acme", "Rocket"],
        ["u1", "acme", "Acme", None],
        ["u2", None, None, None],
        ["u3", None, None, None],
    ]
    by_plan = hogql(
        "select group_0.properties.plan, count() from events where event = 'view' "
        "group by group_0.properties.plan order by count() desc, group_0.properties.plan"
    ).json()
    assert by_plan["results"] == [["pro", 2], [None, 2]]
    assert hogql(
        "select count() from events where group_0.properties.plan = 'pro' and group_0.index = 0"
        " and event = 'view'"
    ).json()["results"] == [[2]]


def outsider_client(outsider):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {outsider.key}")
    return client
