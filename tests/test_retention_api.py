"""Retention through HTTP: legacy ``insights/retention/`` with matrices computed by hand.

Fixture (day 0 = 2020-06-10, UTC): ``$pageview`` by
  p1 on days 0, 1, 2, 5, 6;  p2 on days 1, 2, 3, 6;
  p3 on 2020-06-05 (before the window) and days 2, 4.
``date_to`` 2020-06-16 with 7 intervals → cohorts 06-10 … 06-16.
"""

from __future__ import annotations

import json

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db

ACTIVITY = {"p1": [0, 1, 2, 5, 6], "p2": [1, 2, 3, 6], "p3": [2, 4]}
URL = "/api/projects/{team}/insights/retention/"


def pageviews(activity: dict[str, list[int]], *, month: int = 6, first_day: int = 10) -> list[dict]:
    return [
        {
            "event": "$pageview",
            "distinct_id": person,
            "timestamp": f"2020-{month:02d}-{first_day + day:02d}T12:00:00Z",
            "properties": {"$browser": "Chrome" if person != "p2" else "Safari"},
        }
        for person, days in activity.items()
        for day in days
    ]


@pytest.fixture
def fixture_events(client, team, clickhouse):
    events = pageviews(ACTIVITY)
    events.append({"event": "$pageview", "distinct_id": "p3", "timestamp": "2020-06-05T08:00:00Z"})
    capture_events(client, team, events)


def counts(result: list[dict]) -> list[list[int]]:
    return [[value["count"] for value in row["values"]] for row in result]


def retention(api, team, **filters):
    params = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in filters.items()}
    response = api.get(URL.format(team=team.id), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_recurring_matrix_is_triangular_with_hand_computed_counts(api, team, fixture_events):
    body = retention(api, team, date_to="2020-06-16", total_intervals=7, period="Day")
    # Recurring: a person joins the cohort of every day with a pageview.
    # day 0 {p1}: back on 1, 2, 5, 6            → 1,1,1,0,0,1,1
    # day 1 {p1,p2}: d2 p1p2, d3 p2, d5 p1, d6 p1p2 → 2,2,1,0,1,2
    # day 2 {p1,p2,p3}: d3 p2, d4 p3, d5 p1, d6 p1p2 → 3,1,1,1,2
    # day 3 {p2}: d6 → 1,0,0,1 ; day 4 {p3} → 1,0,0 ; day 5 {p1}: d6 → 1,1 ; day 6 {p1,p2} → 2
    assert counts(body["result"]) == [
        [1, 1, 1, 0, 0, 1, 1],
        [2, 2, 1, 0, 1, 2],
        [3, 1, 1, 1, 2],
        [1, 0, 0, 1],
        [1, 0, 0],
        [1, 1],
        [2],
    ]
    first = body["result"][0]
    assert first["label"] == "Day 0"
    assert first["date"] == "2020-06-10T00:00:00Z"
    assert first["values"][0] == {"count": 1, "people": []}
    assert body["result"][6]["label"] == "Day 6"
    assert body["timezone"] == "UTC"
    assert body["is_cached"] is False


def test_first_time_matrix_differs_on_the_same_data(api, team, fixture_events):
    body = retention(
        api, team, date_to="2020-06-16", total_intervals=7, retention_type="retention_first_time"
    )
    # First time: p1 starts day 0, p2 day 1; p3's first pageview (06-05) is before the window.
    # p1 back on 1, 2, 5, 6; p2 back on days 2, 3, 6 (lags 1, 2, 5).
    assert counts(body["result"]) == [
        [1, 1, 1, 0, 0, 1, 1],
        [1, 1, 1, 0, 0, 1],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0],
        [0, 0],
        [0],
    ]


def test_legacy_default_is_eleven_intervals_ending_at_date_to(api, team, fixture_events):
    body = retention(api, team, date_to="2020-06-16")
    # 11 cohorts: 06-06 … 06-16; row i has 11 - i values.
    assert [len(row["values"]) for row in body["result"]] == list(range(11, 0, -1))
    assert body["result"][0]["date"] == "2020-06-06T00:00:00Z"
    # Day 4 = 06-10: p1 only, the same row as day 0 above, padded by the window end.
    assert counts(body["result"])[4] == [1, 1, 1, 0, 0, 1, 1]


def test_post_body_and_returning_entity(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        [
            {"event": "signed_up", "distinct_id": "a", "timestamp": "2020-06-10T09:00:00Z"},
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-06-10T10:00:00Z"},
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-06-12T10:00:00Z"},
            {"event": "signed_up", "distinct_id": "b", "timestamp": "2020-06-11T09:00:00Z"},
            {"event": "$pageview", "distinct_id": "b", "timestamp": "2020-06-12T10:00:00Z"},
            {"event": "$pageview", "distinct_id": "c", "timestamp": "2020-06-11T10:00:00Z"},
        ],
    )
    response = api.post(
        URL.format(team=team.id),
        {
            "date_to": "2020-06-12",
            "total_intervals": 3,
            "target_entity": {"id": "signed_up", "type": "events"},
            "returning_entity": {"id": "$pageview", "type": "events"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    # Cohorts by signed_up: 06-10 {a}, 06-11 {b}; returns are pageviews on later days.
    # a: pageview 06-12 → lag 2 (the same-day pageview does not count); b: 06-12 → lag 1; c never signed up.
    assert counts(response.json()["result"]) == [[1, 0, 1], [1, 1], [0]]


def test_entity_properties_and_global_properties(api, team, fixture_events):
    target = {"id": "$pageview", "type": "events", "properties": [{"key": "$browser", "value": "Safari"}]}
    body = retention(api, team, date_to="2020-06-16", total_intervals=7, target_entity=target)
    # Only p2's pageviews (Safari) start cohorts: days 1, 2, 3, 6; returns are any pageview.
    # day 1 {p2}: back d2, d3, d6 → 1,1,1,0,0,1 ; day 2 {p2}: d3, d6 → 1,1,0,0,1 ; day 3 {p2}: d6 → 1,0,0,1
    assert counts(body["result"])[:4] == [[0] * 7, [1, 1, 1, 0, 0, 1], [1, 1, 0, 0, 1], [1, 0, 0, 1]]
    chrome = [{"key": "$browser", "value": "Chrome", "operator": "exact", "type": "event"}]
    body = retention(api, team, date_to="2020-06-16", total_intervals=7, properties=chrome)
    # Global filter: p1 and p3 only. day 2 {p1,p3}: d4 p3, d5 p1, d6 p1 → 2,0,1,1,1
    assert counts(body["result"])[2] == [2, 0, 1, 1, 1]


def test_bad_input_is_a_400(api, team, clickhouse):
    response = api.get(URL.format(team=team.id), {"period": "Fortnight"})
    assert response.status_code == 400
    assert response.json()["attr"] == "period"
    response = api.get(URL.format(team=team.id), {"target_entity": "{not json"})
    assert response.status_code == 400


def test_scope_and_foreign_team(client, team, outsider, clickhouse):
    response = client.get(URL.format(team=team.id), **outsider.auth)
    assert response.status_code == 404
