"""EventsQuery and HogQLMetadata through POST /query/, on hand-counted events."""

from __future__ import annotations

import pytest

from tests.engine_events import store_events
from tests.factories import make_org_with_team

ALL_TIME = {"after": "2024-01-01"}


@pytest.fixture
def signs(api, team, clickhouse):
    """sign up (key test_val1), sign out ×2 (test_val2), sign out (test_val3); another project's event."""
    rows = [("sign up", "test_val1", 1), ("sign out", "test_val2", 2), ("sign out", "test_val2", 3)]
    rows.append(("sign out", "test_val3", 4))
    store_events(
        api,
        team,
        [
            {
                "event": name,
                "distinct_id": "d1" if day < 3 else "d2",
                "timestamp": f"2024-01-0{day}T10:00:00Z",
                "properties": {"key": key, "$set": {"email": f"{name[-2:]}@x.com"}},
            }
            for name, key, day in rows
        ],
    )
    _, other = make_org_with_team("Globex")
    store_events(api, other, [{"event": "sign out", "distinct_id": "x", "timestamp": "2024-01-02T10:00:00Z"}])
    return team


def events_query(api, team, **fields):
    body = {"query": {"kind": "EventsQuery", **ALL_TIME, **fields}}
    response = api.post(f"/api/projects/{team.id}/query/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_columns_and_types(api, signs):
    body = events_query(
        api, signs, select=["properties.key", "event", "distinct_id", "concat(event, ' ', properties.key)"]
    )
    assert body["types"] == ["Nullable(String)", "String", "String", "String"]
    assert body["columns"] == ["properties.key", "event", "distinct_id", "concat(event, ' ', properties.key)"]
    assert [row[0] for row in body["results"]] == ["test_val1", "test_val2", "test_val2", "test_val3"]
    assert body["results"][0] == ["test_val1", "sign up", "d1", "sign up test_val1"]
    assert (body["hasMore"], body["limit"], body["offset"]) == (False, 100, 0)


def test_aggregates_group_by_the_other_columns(api, signs):
    body = events_query(api, signs, select=["count()", "event"])
    assert body["results"] == [[3, "sign out"], [1, "sign up"]]
    assert body["types"] == ["UInt64", "String"]
    body = events_query(
        api,
        signs,
        select=["count()", "event"],
        where=["event == 'sign up' or like(properties.key, '%val2')"],
        orderBy=["count() DESC", "event"],
    )
    assert body["results"] == [[2, "sign out"], [1, "sign up"]]
    body = events_query(api, signs, select=["count()", "event"], where=["count() > 1"])
    assert body["results"] == [[3, "sign out"]]  # an aggregate condition goes to HAVING


def test_event_properties_and_date_bounds(api, signs):
    body = events_query(
        api, signs, select=["event", "properties.key"], event="sign out", orderBy=["timestamp"]
    )
    assert [r[1] for r in body["results"]] == ["test_val2", "test_val2", "test_val3"]
    body = events_query(
        api, signs, select=["count()"], properties=[{"key": "key", "value": "test_val2", "operator": "exact"}]
    )
    assert body["results"] == [[2]]
    body = events_query(api, signs, select=["count()"], after="2024-01-02T10:00:00Z", before="2024-01-04")
    assert body["results"] == [[1]]  # both bounds exclusive: only day 3


def test_star_and_person_columns(api, signs):
    body = events_query(api, signs, select=["*", "person", "timestamp"], event="sign up")
    (row,) = body["results"]
    event, person, _ = row
    assert event["event"] == "sign up" and event["distinct_id"] == "d1"
    assert event["properties"]["key"] == "test_val1"
    assert event["elements"] == [] and event["team_id"] == signs.id
    assert person["distinct_id"] == "d1" and person["properties"]["email"] == "up@x.com"
    assert set(person) == {"uuid", "created_at", "properties", "distinct_id"}


def test_default_order_is_newest_first_when_timestamp_is_selected(api, signs):
    body = events_query(api, signs, select=["properties.key", "timestamp"])
    assert [r[0] for r in body["results"]] == ["test_val3", "test_val2", "test_val2", "test_val1"]


def test_refusals(api, signs):
    url = f"/api/projects/{signs.id}/query/"
    response = api.post(url, {"query": {"kind": "EventsQuery", "select": ["bla"]}}, format="json")
    assert response.status_code == 400
    assert (response.json()["detail"], response.json()["attr"]) == (
        "Unable to resolve field: bla",
        "select__0",
    )
    response = api.post(
        url, {"query": {"kind": "EventsQuery", "select": ["event"], "actionId": 3}}, format="json"
    )
    assert response.status_code == 400 and response.json()["attr"] == "actionId"


def test_paging_over_more_than_ten_thousand_events(api, team, clickhouse):
    events = [
        {
            "event": "tick",
            "distinct_id": f"u{i % 7}",
            # From 00:00:01: ``after`` is exclusive.
            "timestamp": f"2024-01-01T{(i + 1) // 3600:02d}:{(i + 1) // 60 % 60:02d}:{(i + 1) % 60:02d}Z",
            "properties": {"i": i},
        }
        for i in range(10_050)
    ]
    for start in range(0, len(events), 5000):
        store_events(api, team, events[start : start + 5000])
    seen: list[int] = []
    pages = []
    for offset in (0, 5000, 10_000):
        body = events_query(
            api, team, select=["toInt(properties.i)"], orderBy=["timestamp"], limit=5000, offset=offset
        )
        seen += [row[0] for row in body["results"]]
        pages.append((len(body["results"]), body["hasMore"], body["offset"]))
    assert pages == [(5000, True, 0), (5000, True, 5000), (50, False, 10_000)]
    assert seen == list(range(10_050))


def metadata(api, team, **fields):
    response = api.post(
        f"/api/projects/{team.id}/query/", {"query": {"kind": "HogQLMetadata", **fields}}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_metadata(api, team, db):
    body = metadata(api, team, language="hogQLExpr", query="select 1")
    assert body["isValid"] is False
    assert [(e["start"], e["end"]) for e in body["errors"]] == [(7, 8)]
    assert metadata(api, team, language="hogQL", query="select 1")["isValid"] is True
    body = metadata(api, team, language="hogQLExpr", query="properties.$x + bla")
    assert body["errors"] == [
        {"message": "Unable to resolve field: bla", "start": 16, "end": 19, "fix": None}
    ]
    body = metadata(api, team, language="hogQL", query="select event from events where")
    assert body["errors"][0]["message"] == "Unexpected end of query"
    body = metadata(api, team, language="hogQL", query="select hamburger(event) from events")
    assert body["errors"][0]["message"] == "Unsupported function call 'hamburger(...)'."
    assert (body["errors"][0]["start"], body["errors"][0]["end"]) == (7, 23)
    assert metadata(api, team, language="hogQL", query="select 1 from events")["table_names"] == ["events"]
