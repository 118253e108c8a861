"""``/event_definitions/`` and ``/property_definitions/`` through HTTP on both prefixes.

Fixture (``stored``), sent through capture:
* ``$pageview`` u1 Jan 1: $current_url, $browser, ``$set`` {email, age 30}
* ``$pageview`` u2 Jan 2: $current_url, price 9.5, mixed 1
* ``purchase`` u1 Jan 3: price 20, paid true, at "2024-01-03T10:00:00Z", $feature/beta "on", mixed "x"
Event properties (``$set`` hidden), by name: $browser, $current_url, $feature/beta, at, mixed,
paid, price; price only numbers → Numeric, mixed a number and a string → String.
Person properties: age (Numeric), email (String).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.engine_events import store_events
from tests.factories import make_key

pytestmark = [pytest.mark.django_db, pytest.mark.clickhouse]

EVENT_PROPERTIES = ["$browser", "$current_url", "$feature/beta", "at", "mixed", "paid", "price"]


@pytest.fixture
def stored(api, team, clickhouse):
    store_events(
        api,
        team,
        [
            {
                "event": "$pageview",
                "distinct_id": "u1",
                "timestamp": "2024-01-01T10:00:00Z",
                "properties": {
                    "$current_url": "https://a.io/x",
                    "$browser": "Chrome",
                    "$set": {"email": "u1@a.io", "age": 30},
                },
            },
            {
                "event": "$pageview",
                "distinct_id": "u2",
                "timestamp": "2024-01-02T10:00:00Z",
                "properties": {"$current_url": "https://a.io/y", "price": 9.5, "mixed": 1},
            },
            {
                "event": "purchase",
                "distinct_id": "u1",
                "timestamp": "2024-01-03T10:00:00Z",
                "properties": {
                    "price": 20,
                    "paid": True,
                    "at": "2024-01-03T10:00:00Z",
                    "$feature/beta": "on",
                    "mixed": "x",
                },
            },
        ],
    )
    return team


@pytest.fixture(params=["projects", "environments"])
def base(request, team):
    return f"/api/{request.param}/{team.id}"


def listed(api, url, **params):
    response = api.get(url, params)
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["results"]]


def test_event_definitions(api, base, stored):
    url = f"{base}/event_definitions/"
    body = api.get(url).json()
    assert body["count"] == 2 and [d["name"] for d in body["results"]] == ["$pageview", "purchase"]
    pageview = body["results"][0]
    assert pageview["last_seen_at"] == "2024-01-02T10:00:00Z" and pageview["tags"] == []
    assert api.get(f"{url}{pageview['id']}/").json() == pageview
    assert api.get(f"{url}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert listed(api, url, event_type="custom") == ["purchase"]
    assert listed(api, url, event_type="posthog") == ["$pageview"]
    assert listed(api, url, search="PURCH") == ["purchase"]
    assert listed(api, url, ordering="-last_seen_at") == ["purchase", "$pageview"]
    page = api.get(url, {"limit": 1}).json()
    assert page["count"] == 2 and [d["name"] for d in page["results"]] == ["$pageview"]
    assert [d["name"] for d in api.get(page["next"]).json()["results"]] == ["purchase"]
    assert api.get(url, {"event_type": "bogus"}).json()["attr"] == "event_type"
    assert api.get(url, {"ordering": "volume"}).json()["attr"] == "ordering"


def test_event_property_definitions(api, base, stored):
    url = f"{base}/property_definitions/"
    body = api.get(url).json()
    assert [d["name"] for d in body["results"]] == EVENT_PROPERTIES and body["count"] == 7
    types = {d["name"]: (d["property_type"], d["is_numerical"]) for d in body["results"]}
    assert types == {
        "$browser": ("String", False),
        "$current_url": ("String", False),
        "$feature/beta": ("String", False),
        "at": ("DateTime", False),
        "mixed": ("String", False),
        "paid": ("Boolean", False),
        "price": ("Numeric", True),
    }
    assert all(d["is_seen_on_filtered_events"] is None and d["type"] == "event" for d in body["results"])
    assert listed(api, url, is_numerical="true") == ["price"]
    assert listed(api, url, property_type="Boolean") == ["paid"]
    assert listed(api, url, search="CURRENT") == ["$current_url"]
    assert listed(api, url, properties="price,paid") == ["paid", "price"]
    assert listed(api, url, is_feature_flag="true") == ["$feature/beta"]
    assert "$feature/beta" not in listed(api, url, is_feature_flag="false")
    assert "price" not in listed(api, url, excluded_properties='["price"]')
    # Seen on purchase first (by name), then the rest.
    seen = api.get(url, {"event_names": '["purchase"]'}).json()["results"]
    assert [(d["name"], d["is_seen_on_filtered_events"]) for d in seen] == [
        ("$feature/beta", True),
        ("at", True),
        ("mixed", True),
        ("paid", True),
        ("price", True),
        ("$browser", False),
        ("$current_url", False),
    ]
    only = listed(api, url, event_names='["$pageview"]', filter_by_event_names="true")
    assert only == ["$browser", "$current_url", "mixed", "price"]


def test_person_and_session_property_definitions(api, base, stored):
    url = f"{base}/property_definitions/"
    body = api.get(url, {"type": "person"}).json()
    assert [(d["name"], d["property_type"]) for d in body["results"]] == [
        ("age", "Numeric"),
        ("email", "String"),
    ]
    sessions = {d["name"]: d for d in api.get(url, {"type": "session", "limit": 100}).json()["results"]}
    assert sessions["$session_duration"]["property_type"] == "Duration"
    assert sessions["$session_duration"]["is_numerical"] is True
    assert sessions["$is_bounce"]["property_type"] == "Boolean"
    assert sessions["$entry_current_url"]["property_type"] == "String"
    assert "max_inserted_at" not in sessions


def test_group_property_definitions(api, base, stored):
    # company is the project's first group type (index 0); acme's properties: name, seats.
    identify = {
        "event": "$groupidentify",
        "distinct_id": "u1",
        "timestamp": "2024-01-05T10:00:00Z",
        "properties": {
            "$group_type": "company",
            "$group_key": "acme",
            "$group_set": {"name": "Acme", "seats": 10},
        },
    }
    store_events(api, stored, [identify])
    url = f"{base}/property_definitions/"
    body = api.get(url, {"type": "group", "group_type_index": "0"}).json()
    assert [(d["name"], d["property_type"], d["group_type_index"]) for d in body["results"]] == [
        ("name", "String", 0),
        ("seats", "Numeric", 0),
    ]
    assert api.get(url, {"type": "group", "group_type_index": "1"}).json()["count"] == 0
    # The identify event's own plumbing stays out of the event properties.
    assert listed(api, url) == EVENT_PROPERTIES


def test_property_definition_refusals(api, base, stored):
    url = f"{base}/property_definitions/"

    def attr(**params):
        response = api.get(url, params)
        assert response.status_code == 400
        return response.json()["attr"]

    assert attr(type="bogus") == "type"
    assert attr(type="group") == "group_type_index"
    assert attr(type="group", group_type_index="5") == "group_type_index"
    assert attr(group_type_index="0") == "group_type_index"
    assert attr(type="person", event_names='["x"]') == "event_names"
    assert attr(event_names="nope") == "event_names"
    assert attr(property_type="Text") == "property_type"


def test_scopes_and_isolation(base, team, owner, stored, outsider):
    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    events, props = client(["event_definition:read"]), client(["property_definition:read"])
    assert events.get(f"{base}/event_definitions/").status_code == 200
    assert events.get(f"{base}/property_definitions/").status_code == 403
    assert props.get(f"{base}/property_definitions/").status_code == 200
    assert props.get(f"{base}/event_definitions/").status_code == 403
    assert props.post(f"{base}/property_definitions/", {}, format="json").status_code in (403, 405)
    theirs = APIClient()
    store_events(theirs, outsider.team, [{"event": "secret", "distinct_id": "s", "properties": {"key": 1}}])
    mine = APIClient()
    mine.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.key}")
    assert "secret" not in listed(mine, f"{base}/event_definitions/")
    assert "key" not in listed(mine, f"{base}/property_definitions/")
    other = outsider.team.id
    assert mine.get(f"/api/projects/{other}/event_definitions/").status_code == 404
    assert mine.get(f"/api/projects/{other}/property_definitions/").status_code == 404
