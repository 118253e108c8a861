"""Legacy ``insights/funnel/`` GET and POST (api.md §10, seed 003): envelope, seed keys, access."""

from __future__ import annotations

import json

import pytest

from tests.capture import capture_events
from tests.factories import make_key
from tests.funnels_helpers import counts, ev

EVENTS = json.dumps([{"id": "signup", "order": 0}, {"id": "activate", "order": 1}])


@pytest.fixture
def two_people(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # a converts after 2 h; b signs up only
            ev("a", "signup", "10:00:00"),
            ev("a", "activate", "12:00:00"),
            ev("b", "signup", "10:00:00"),
        ],
    )


def url(team, suffix="funnel/"):
    return f"/api/environments/{team.id}/insights/{suffix}"


def test_get_with_query_string_filters(api, team, two_people):
    params = {"events": EVENTS, "date_from": "2024-01-01", "date_to": "2024-01-07"}
    body = api.get(url(team), params).json()
    assert set(body) >= {"result", "timezone", "last_refresh", "is_cached", "timings", "next"}
    assert body["timezone"] == "UTC" and body["is_cached"] is False and body["next"] is None
    # default window: 14 days → a converts (7200 s)
    assert counts(body["result"]) == [2, 1]
    assert body["result"][1]["average_conversion_time"] == 7200.0
    first, second = body["result"]
    assert first["dropped_people_url"] is None
    assert "funnel_step=1" in first["converted_people_url"]
    assert "funnel_step=-2" in second["dropped_people_url"]
    assert first["converted_people_url"].split("?")[0].endswith(f"/api/projects/{team.id}/persons/funnel/")
    # the same request again comes from the cache
    assert api.get(url(team), params).json()["is_cached"] is True


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ({"funnel_window_interval": 1, "funnel_window_interval_type": "HOUR"}, [2, 0]),
        ({"funnel_window_interval": 2, "funnel_window_interval_type": "hours"}, [2, 1]),
        ({"funnel_window_interval": 119, "funnel_window_interval_unit": "minute"}, [2, 0]),
        ({"funnel_window_days": 1}, [2, 1]),
    ],
)
def test_post_window_keys(api, team, two_people, window, expected):
    body = {"events": json.loads(EVENTS), "date_from": "2024-01-01", "date_to": "2024-01-07", **window}
    response = api.post(url(team), body, format="json")
    assert response.status_code == 200, response.json()
    assert counts(response.json()["result"]) == expected


def test_projects_prefix_and_viz_type(api, team, two_people):
    params = {
        "events": EVENTS,
        "date_from": "2024-01-01",
        "date_to": "2024-01-02",
        "funnel_viz_type": "trends",
    }
    body = api.get(f"/api/projects/{team.id}/insights/funnel", params).json()
    assert body["result"][0]["data"] == [50.0, 0]


def test_legacy_breakdown_limit_defaults_to_ten(api, team, clickhouse):
    # 12 people on 12 browsers b00..b11, signup only → 10 values kept, 2 merged into Other
    capture_events(
        api, team, [ev(f"p{i}", "signup", "10:00:00", **{"$browser": f"b{i:02d}"}) for i in range(12)]
    )
    params = {"events": EVENTS, "date_from": "2024-01-01", "date_to": "2024-01-07", "breakdown": "$browser"}
    result = api.get(url(team), params).json()["result"]
    # ties (one signup each) keep b00..b09 by value; Other (2 actors) sorts first by count
    assert [steps[0]["breakdown_value"][0] for steps in result] == ["Other"] + [
        f"b{i:02d}" for i in range(10)
    ]
    assert result[0][0]["count"] == 2
    assert "funnel_step_breakdown" in result[0][0]["converted_people_url"]


def test_bad_input_is_400(api, team, clickhouse):
    response = api.get(url(team), {"events": json.dumps([{"id": "signup"}])})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    response = api.get(url(team), {"events": "[not json"})
    assert response.status_code == 400


def test_access(client, api, team, owner, outsider, clickhouse):
    params = {"events": EVENTS}
    assert client.get(url(team), params).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {outsider.key}")
    assert client.get(url(team), params).status_code == 404
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, ['dashboard:read'])}")
    assert client.get(url(team), params).status_code == 403
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, ['insight:read'])}")
    assert client.get(url(team), params).status_code == 200
    assert client.get(url(team, "funnel/correlation/"), params).status_code == 200


def test_saved_style_filters_through_query_endpoint(api, team, two_people):
    # An InsightVizNode wrapping a FunnelsQuery is what saved insights store.
    query = {
        "kind": "InsightVizNode",
        "source": {
            "kind": "FunnelsQuery",
            "series": [
                {"kind": "EventsNode", "event": "signup"},
                {"kind": "EventsNode", "event": "activate"},
            ],
            "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-07"},
        },
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200
    assert counts(response.json()["results"]) == [2, 1]
