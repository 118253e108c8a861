"""Groups through HTTP: ``$groupidentify`` stores merged group properties, and
``/groups_types/`` and ``/groups/`` (list, find, property definitions and values) read them
on both prefixes, with scopes and isolation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.engine_events import store_events
from tests.factories import make_key

pytestmark = pytest.mark.clickhouse


def identify(group_type, key, props, ts, distinct_id="u1", **extra):
    return {
        "event": "$groupidentify",
        "distinct_id": distinct_id,
        "timestamp": ts,
        "properties": {"$group_type": group_type, "$group_key": key, "$group_set": props, **extra},
    }


@pytest.fixture
def groups(api, team, clickhouse):
    # Batch 1: acme twice (merged in event order), globex; both "company" (index 0).
    store_events(
        api,
        team,
        [
            identify("company", "acme", {"name": "Acme", "plan": "pro", "seats": 10}, "2024-01-01T10:00:00Z"),
            identify("company", "globex", {"name": "Globex", "plan": "free"}, "2024-01-01T11:00:00Z"),
            identify("company", "acme", {"industry": "rockets"}, "2024-01-01T12:00:00Z"),
        ],
    )
    # Batch 2: acme's plan changes (merged into the stored row); a second type "project"
    # (index 1) appears; an event names a group it never identified.
    store_events(
        api,
        team,
        [
            identify("company", "acme", {"plan": "enterprise"}, "2024-01-02T09:00:00Z", distinct_id="u2"),
            identify("project", "p1", {"name": "Rocket sled"}, "2024-01-03T09:00:00Z"),
            {
                "event": "pageview",
                "distinct_id": "u3",
                "timestamp": "2024-01-03T10:00:00Z",
                "properties": {"$groups": {"company": "initech"}},
            },
        ],
    )
    return team


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix: f"/api/{request.param}/{team.id}/{suffix}"


def test_group_types_listed_by_first_appearance_and_named(api, url, groups):
    listed = api.get(url("groups_types/")).json()
    assert [(t["group_type"], t["group_type_index"]) for t in listed] == [("company", 0), ("project", 1)]
    assert listed[0]["name_singular"] is None and listed[0]["created_at"].endswith("Z")
    body = [{"group_type_index": 0, "name_singular": "Company", "name_plural": "Companies"}]
    updated = api.patch(url("groups_types/update_metadata/"), body, format="json")
    assert updated.status_code == 200, updated.json()
    assert updated.json()[0]["name_plural"] == "Companies" and updated.json()[1]["name_plural"] is None
    assert api.get(url("groups_types/")).json()[0]["name_singular"] == "Company"
    # A name left out keeps its value; the other one changes.
    again = api.patch(
        url("groups_types/update_metadata/"), [{"group_type_index": 0, "name_plural": "Firms"}], format="json"
    )
    assert (again.json()[0]["name_singular"], again.json()[0]["name_plural"]) == ("Company", "Firms")
    # An index the project has never seen is a 404; a bad one a 400 naming it.
    missing = api.patch(url("groups_types/update_metadata/"), [{"group_type_index": 3}], format="json")
    assert missing.status_code == 404
    bad = api.patch(url("groups_types/update_metadata/"), [{"group_type_index": 9}], format="json")
    assert bad.status_code == 400 and "group_type_index" in bad.json()["attr"]


def test_groups_store_merged_properties_newest_first(api, url, groups):
    response = api.get(url("groups/"), {"group_type_index": 0})
    assert response.status_code == 200, response.json()
    body = response.json()
    # acme was created at 10:00 on Jan 1 (its first identify), globex at 11:00: newest first.
    # initech was only named by an event, never identified: no group row.
    assert [g["group_key"] for g in body["results"]] == ["globex", "acme"]
    acme = body["results"][1]
    # Three $group_set merged in order: plan pro -> enterprise, industry added, the rest kept.
    assert acme["group_properties"] == {
        "name": "Acme",
        "plan": "enterprise",
        "seats": 10,
        "industry": "rockets",
    }
    assert acme["created_at"] == "2024-01-01T10:00:00Z" and acme["group_type_index"] == 0
    assert body["next"] is None and body["previous"] is None
    assert [g["group_key"] for g in api.get(url("groups/"), {"group_type_index": 1}).json()["results"]] == [
        "p1"
    ]


def test_groups_search_key_filter_and_paging(api, url, groups):
    def keys(**params):
        response = api.get(url("groups/"), {"group_type_index": 0, **params})
        assert response.status_code == 200, response.json()
        return [g["group_key"] for g in response.json()["results"]]

    assert keys(search="ROCKETS") == ["acme"]  # property text, case-insensitive
    assert keys(search="globex") == ["globex"]  # the exact key (also in its name)
    assert keys(search="nothing") == []
    assert keys(group_key="lob") == ["globex"]
    first = api.get(url("groups/"), {"group_type_index": 0, "limit": 1}).json()
    assert [g["group_key"] for g in first["results"]] == ["globex"] and first["previous"] is None
    second = api.get(first["next"]).json()
    assert [g["group_key"] for g in second["results"]] == ["acme"] and second["next"] is None
    assert [g["group_key"] for g in api.get(second["previous"]).json()["results"]] == ["globex"]


def test_groups_need_a_group_type_index(api, url, groups):
    for params in ({}, {"group_type_index": "x"}, {"group_type_index": 5}):
        response = api.get(url("groups/"), params)
        assert response.status_code == 400 and response.json()["attr"] == "group_type_index"
    assert api.get(url("groups/"), {"group_type_index": 0, "cursor": "!!"}).json()["attr"] == "cursor"


def test_find(api, url, groups):
    found = api.get(url("groups/find/"), {"group_type_index": 0, "group_key": "globex"})
    assert found.status_code == 200
    assert found.json()["group_properties"] == {"name": "Globex", "plan": "free"}
    assert api.get(url("groups/find/"), {"group_type_index": 1, "group_key": "globex"}).status_code == 404
    assert api.get(url("groups/find/"), {"group_type_index": 0, "group_key": "initech"}).status_code == 404
    missing = api.get(url("groups/find/"), {"group_type_index": 0})
    assert missing.status_code == 400 and missing.json()["attr"] == "group_key"


def test_property_definitions_and_values(api, url, groups):
    definitions = api.get(url("groups/property_definitions/")).json()
    # company: name and plan on both groups (2), industry and seats on acme only (1).
    assert definitions["0"] == [
        {"name": "name", "count": 2},
        {"name": "plan", "count": 2},
        {"name": "industry", "count": 1},
        {"name": "seats", "count": 1},
    ]
    assert definitions["1"] == [{"name": "name", "count": 1}]
    values = api.get(url("groups/property_values/"), {"group_type_index": 0, "key": "plan"}).json()
    # acme's latest plan is enterprise (pro was overwritten), globex free.
    assert values == [{"name": "enterprise", "count": 1}, {"name": "free", "count": 1}]
    assert api.get(
        url("groups/property_values/"), {"group_type_index": 0, "key": "plan", "value": "ENT"}
    ).json() == [{"name": "enterprise", "count": 1}]
    numbers = api.get(url("groups/property_values/"), {"group_type_index": 0, "key": "seats"}).json()
    assert numbers == [{"name": "10", "count": 1}]


def test_scopes(team, owner, groups):
    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    reader, writer, other = client(["group:read"]), client(["group:write"]), client(["person:write"])
    base = f"/api/projects/{team.id}/"
    meta = [{"group_type_index": 0, "name_singular": "Co"}]
    for path in ("groups_types/", "groups/?group_type_index=0", "groups/property_definitions/"):
        assert reader.get(base + path).status_code == 200
        assert other.get(base + path).status_code == 403
    assert reader.patch(base + "groups_types/update_metadata/", meta, format="json").status_code == 403
    assert writer.patch(base + "groups_types/update_metadata/", meta, format="json").status_code == 200
    assert writer.get(base + "groups/find/?group_type_index=0&group_key=acme").status_code == 200


def test_other_projects_groups_are_invisible(api, team, outsider, groups):
    # The outsider's project sees none of these groups, and this key cannot reach its project.
    theirs = APIClient()
    theirs.credentials(HTTP_AUTHORIZATION=f"Bearer {outsider.key}")
    own = f"/api/projects/{outsider.team.id}/"
    assert theirs.get(own + "groups_types/").json() == []
    assert theirs.get(own + "groups/", {"group_type_index": 0}).json()["results"] == []
    assert theirs.get(own + "groups/find/", {"group_type_index": 0, "group_key": "acme"}).status_code == 404
    assert theirs.get(own + "groups/property_definitions/").json() == {}
    for prefix in ("projects", "environments"):
        for path in ("groups_types/", "groups/?group_type_index=0", "groups/property_definitions/"):
            assert api.get(f"/api/{prefix}/{outsider.team.id}/{path}").status_code == 404


def test_group_reads_run_with_the_client_query_limits(api, url, groups, settings):
    # Two groups of type 0 are more result rows than a limit of 1.
    settings.CLICKHOUSE_MAX_RESULT_ROWS = 1
    response = api.get(url("groups/"), {"group_type_index": 0})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "query_too_large" and "CLICKHOUSE_MAX_RESULT_ROWS" in body["detail"]
