"""Saved insights (by ``query`` and by legacy ``filters``) compute retention and paths."""

from __future__ import annotations

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db
URL = "/api/projects/{team}/insights/"


@pytest.fixture
def events(client, team, clickhouse):
    # a: /, then /pricing a minute later (06-10), back on 06-11; b: / only, on 06-11.
    capture_events(
        client,
        team,
        [
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-06-10T10:00:00Z",
             "properties": {"$current_url": "/"}},
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-06-10T10:01:00Z",
             "properties": {"$current_url": "/pricing"}},
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-06-11T10:00:00Z",
             "properties": {"$current_url": "/"}},
            {"event": "$pageview", "distinct_id": "b", "timestamp": "2020-06-11T10:00:00Z",
             "properties": {"$current_url": "/"}},
        ],
    )  # fmt: skip


def computed(api, team, body: dict) -> list:
    created = api.post(URL.format(team=team.id), {"name": "x", **body}, format="json")
    assert created.status_code == 201, created.content
    response = api.get(URL.format(team=team.id) + f"{created.json()['id']}/", {"refresh": "blocking"})
    assert response.status_code == 200, response.content
    return response.json()["result"]


def test_saved_retention_by_filters_and_by_query(api, team, events):
    # Days 06-10 {a}: back 06-11 → 1,1 ; 06-11 {a, b} → 2,0 (saved insights get the current, padded rows).
    by_filters = computed(
        api, team, {"filters": {"insight": "RETENTION", "date_to": "2020-06-11", "total_intervals": 2}}
    )
    assert [[v["count"] for v in row["values"]] for row in by_filters] == [[1, 1], [2, 0]]
    query = {
        "kind": "InsightVizNode",
        "source": {
            "kind": "RetentionQuery",
            "dateRange": {"date_to": "2020-06-11"},
            "retentionFilter": {"totalIntervals": 2},
        },
    }
    by_query = computed(api, team, {"query": query})
    assert by_query == by_filters


def test_saved_paths(api, team, events):
    filters = {"insight": "PATHS", "date_from": "2020-06-10", "date_to": "2020-06-11"}
    # a's 06-10 session: / → /pricing (60 s); the next day starts new sessions of one page each.
    assert computed(api, team, {"filters": filters}) == [
        {"source": "1_/", "target": "2_/pricing", "value": 1, "average_conversion_time": 60000.0}
    ]
