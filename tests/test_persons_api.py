"""``/persons/`` through HTTP on both prefixes: list, paging, filters, lookup, values, property
updates and deletion through the event pipeline, scopes and isolation.

Fixture (``people``), sent through capture:
* A: ``anon-1`` views a page on Jan 1 10:00, then identifies as ``ada@x.io`` at 10:05 with
  ``$set`` email ada@x.io, name Ada, plan pro → one person, distinct ids [ada@x.io, anon-1],
  identified, created Jan 1 10:00.
* B: ``bob`` on Jan 2 with ``$set`` email bob@y.io, plan free → distinct ids [bob].
* C: ``carol`` on Jan 3 with ``$set`` name Carol, plan pro → distinct ids [carol], no email.
Newest first, the list is C, B, A; names Carol, bob@y.io, ada@x.io.
"""

from __future__ import annotations

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from query_engine.backends import get_backend
from tests.engine_events import store_events
from tests.factories import make_key

pytestmark = [pytest.mark.django_db, pytest.mark.clickhouse]

EVENTS = [
    {"event": "$pageview", "distinct_id": "anon-1", "timestamp": "2024-01-01T10:00:00Z"},
    {
        "event": "$identify",
        "distinct_id": "ada@x.io",
        "timestamp": "2024-01-01T10:05:00Z",
        "properties": {
            "$anon_distinct_id": "anon-1",
            "$set": {"email": "ada@x.io", "name": "Ada", "plan": "pro"},
        },
    },
    {
        "event": "$pageview",
        "distinct_id": "bob",
        "timestamp": "2024-01-02T10:00:00Z",
        "properties": {"$set": {"email": "bob@y.io", "plan": "free"}},
    },
    {
        "event": "$pageview",
        "distinct_id": "carol",
        "timestamp": "2024-01-03T10:00:00Z",
        "properties": {"$set": {"name": "Carol", "plan": "pro"}},
    },
]


@pytest.fixture
def people(api, team, clickhouse):
    store_events(api, team, EVENTS)
    return team


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/persons/{suffix}"


def names(body):
    return [p["name"] for p in body["results"]]


def by_name(api, url, name):
    (person,) = [p for p in api.get(url()).json()["results"] if p["name"] == name]
    return person


def event_count(team, distinct_id: str) -> int:
    rows = (
        get_backend()
        .execute(
            "SELECT count() FROM events WHERE team_id = {t:Int64} AND distinct_id = {d:String}",
            {"t": team.id, "d": distinct_id},
        )
        .rows
    )
    return int(rows[0][0])


def test_list_shape_and_order(api, url, people):
    body = api.get(url()).json()
    assert names(body) == ["Carol", "bob@y.io", "ada@x.io"]
    assert body["next"] is None and body["previous"] is None and "count" not in body
    ada = body["results"][2]
    assert ada["distinct_ids"] == ["ada@x.io", "anon-1"]
    assert ada["properties"] == {"email": "ada@x.io", "name": "Ada", "plan": "pro"}
    assert ada["is_identified"] is True and ada["created_at"] == "2024-01-01T10:00:00Z"
    assert ada["type"] == "person" and ada["id"] == ada["uuid"] and len(ada["uuid"]) == 36
    assert body["results"][1]["is_identified"] is False


def test_paging(api, url, people):
    first = api.get(url(), {"limit": 2}).json()
    assert names(first) == ["Carol", "bob@y.io"] and first["previous"] is None
    second = api.get(first["next"]).json()
    assert names(second) == ["ada@x.io"] and second["next"] is None
    back = api.get(second["previous"]).json()
    assert names(back) == ["Carol", "bob@y.io"]
    assert api.get(url(), {"include_total": "true", "limit": 1}).json()["count"] == 3


def test_filters(api, url, people):
    def listed(**params):
        response = api.get(url(), params)
        assert response.status_code == 200, response.json()
        return names(response.json())

    assert listed(distinct_id="anon-1") == ["ada@x.io"]
    assert listed(distinct_id="nobody") == []
    assert listed(email="bob@y.io") == ["bob@y.io"]
    assert listed(search="ADA") == ["ada@x.io"]  # email or name, any case
    assert listed(search="carol") == ["Carol"]  # name
    assert listed(search="anon-1") == ["ada@x.io"]  # a distinct id, exactly
    assert listed(search="anon") == []  # not a distinct id, in no email or name
    pro = '[{"key": "plan", "value": "pro", "type": "person"}]'
    assert listed(properties=pro) == ["Carol", "ada@x.io"]
    assert listed(properties=pro, search="ada") == ["ada@x.io"]


def test_refusals(api, url, people):
    def refused(params, attr):
        response = api.get(url(), params)
        assert response.status_code == 400, response.json()
        assert response.json()["attr"] == attr

    refused({"properties": '[{"key": "plan", "value": "pro", "type": "event"}]'}, "properties__0__type")
    refused({"properties": "not json"}, "properties")
    refused({"cohort": "3"}, "cohort")
    refused({"format": "csv"}, "format")
    refused({"limit": "0"}, "limit")
    refused({"limit": "1001"}, "limit")
    refused({"offset": "-1"}, "offset")
    assert api.post(url(), {"properties": {}}, format="json").status_code == 405


def test_retrieve_by_uuid(api, url, people):
    ada = by_name(api, url, "ada@x.io")
    assert api.get(url(f"{ada['uuid']}/")).json() == ada
    assert api.get(url(f"{ada['uuid'].replace('-', '').upper()}/")).json()["uuid"] == ada["uuid"]
    response = api.get(url("abc/"))
    assert response.status_code == 400 and response.json()["detail"].startswith("The ID provided does not")
    assert api.get(url("42/")).status_code == 404  # no integer ids here
    assert api.get(url("00000000-0000-0000-0000-000000000000/")).status_code == 404


def test_values(api, url, people):
    # plan: pro for A and C, free for B.
    assert api.get(url("values/"), {"key": "plan"}).json() == [
        {"name": "pro", "count": 2},
        {"name": "free", "count": 1},
    ]
    assert api.get(url("values/"), {"key": "plan", "value": "FR"}).json() == [{"name": "free", "count": 1}]
    assert api.get(url("values/"), {"key": "missing"}).json() == []
    assert api.get(url("values/")).json()["attr"] == "key"


def test_property_updates_go_through_events(api, url, people):
    ada = by_name(api, url, "ada@x.io")
    one = url(f"{ada['uuid']}/")
    response = api.post(
        url(f"{ada['uuid']}/update_property/"), {"key": "plan", "value": "team"}, format="json"
    )
    assert response.status_code == 202
    assert api.get(one).json()["properties"] == {"email": "ada@x.io", "name": "Ada", "plan": "team"}
    response = api.post(url(f"{ada['uuid']}/delete_property/"), {"$unset": "name"}, format="json")
    assert response.status_code == 201 and response.json() == {"success": True}
    assert api.get(one).json()["properties"] == {"email": "ada@x.io", "plan": "team"}
    assert api.patch(one, {"properties": {"seats": 5}}, format="json").status_code == 202
    assert api.get(one).json()["properties"] == {"email": "ada@x.io", "plan": "team", "seats": 5}
    # The values route reads the updated person: pro is now only C's.
    values = {v["name"]: v["count"] for v in api.get(url("values/"), {"key": "plan"}).json()}
    assert values == {"pro": 1, "free": 1, "team": 1}
    # Three events for ada@x.io's first distinct id: $set, $delete_person_property, $set.
    rows = (
        get_backend()
        .execute(
            "SELECT event FROM events WHERE team_id = {t:Int64} AND distinct_id = 'ada@x.io' ORDER BY timestamp",
            {"t": people.id},
        )
        .rows
    )
    assert [r[0] for r in rows] == ["$identify", "$set", "$delete_person_property", "$set"]
    bad = api.post(url(f"{ada['uuid']}/update_property/"), {"key": "plan"}, format="json")
    assert bad.status_code == 400 and bad.json()["attr"] == "value"
    bad = api.patch(one, {"name": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["attr"] == "properties"


def test_delete_person_and_its_return(api, url, people):
    ada = by_name(api, url, "ada@x.io")
    assert api.delete(url(f"{ada['uuid']}/")).status_code == 202
    assert names(api.get(url()).json()) == ["Carol", "bob@y.io"]
    assert api.get(url(f"{ada['uuid']}/")).status_code == 404
    assert api.get(url(), {"distinct_id": "anon-1"}).json()["results"] == []
    assert api.delete(url(f"{ada['uuid']}/")).status_code == 404
    assert event_count(people, "anon-1") == 1  # events stay without delete_events
    # The deleted person's distinct id comes back as a new person, with only its new properties.
    store_events(
        api,
        people,
        [
            {
                "event": "$pageview",
                "distinct_id": "anon-1",
                "timestamp": "2024-01-04T10:00:00Z",
                "properties": {"$set": {"plan": "free"}},
            }
        ],
    )
    (back,) = api.get(url(), {"distinct_id": "anon-1"}).json()["results"]
    assert back["uuid"] != ada["uuid"] and back["distinct_ids"] == ["anon-1"]
    assert back["properties"] == {"plan": "free"} and back["created_at"] == "2024-01-04T10:00:00Z"


def test_delete_with_events(api, url, people):
    bob = by_name(api, url, "bob@y.io")
    assert event_count(people, "bob") == 1
    assert api.delete(url(f"{bob['uuid']}/"), QUERY_STRING="delete_events=true").status_code == 202
    assert event_count(people, "bob") == 0 and event_count(people, "carol") == 1
    response = api.delete(
        url(f"{by_name(api, url, 'Carol')['uuid']}/"), QUERY_STRING="delete_recordings=true"
    )
    assert response.status_code == 400 and response.json()["attr"] == "delete_recordings"


def test_scopes(url, team, owner, people):
    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    reader, writer, other = client(["person:read"]), client(["person:write"]), client(["insight:write"])
    uuid = reader.get(url()).json()["results"][0]["uuid"]
    update = url(f"{uuid}/update_property/")
    assert reader.get(url(f"{uuid}/")).status_code == 200
    assert reader.get(url("values/"), {"key": "plan"}).status_code == 200
    assert reader.post(update, {"key": "a", "value": 1}, format="json").status_code == 403
    assert reader.delete(url(f"{uuid}/")).status_code == 403
    assert writer.post(update, {"key": "a", "value": 1}, format="json").status_code == 202
    assert other.get(url()).status_code == 403


def test_isolation(api, url, people, outsider):
    other = outsider.team
    store_events(
        APIClient(),
        other,
        [{"event": "$pageview", "distinct_id": "spy", "properties": {"$set": {"email": "spy@x.io"}}}],
    )
    theirs = APIClient()
    theirs.credentials(HTTP_AUTHORIZATION=f"Bearer {outsider.key}")
    (spy,) = theirs.get(f"/api/projects/{other.id}/persons/").json()["results"]
    assert spy["name"] == "spy@x.io"
    # Their person is not ours: absent from our list and lookups, 404 by uuid, untouched by us.
    assert "spy@x.io" not in names(api.get(url()).json())
    assert api.get(url(), {"distinct_id": "spy"}).json()["results"] == []
    assert api.get(url(f"{spy['uuid']}/")).status_code == 404
    assert api.delete(url(f"{spy['uuid']}/")).status_code == 404
    update = api.post(url(f"{spy['uuid']}/update_property/"), {"key": "a", "value": 1}, format="json")
    assert update.status_code == 404
    assert api.get(f"/api/projects/{other.id}/persons/").status_code == 404
    assert theirs.get(f"/api/projects/{other.id}/persons/{spy['uuid']}/").json()["properties"] == {
        "email": "spy@x.io"
    }


def test_legacy_actor_routes_are_not_shadowed(team):
    for route in ("trends", "stickiness", "lifecycle", "funnel", "funnel/correlation", "path"):
        for prefix in ("projects", "environments"):
            assert resolve(f"/api/{prefix}/{team.id}/persons/{route}/").url_name == f"persons-{route}"
    assert resolve(f"/api/projects/{team.id}/persons/values/").url_name == "person-values"


def test_display_name_properties(api, url, people):
    people.person_display_name_properties = ["plan"]
    people.save()
    assert names(api.get(url()).json()) == ["pro", "free", "pro"]
