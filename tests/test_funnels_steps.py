"""Funnel steps through the HTTP API (``/query/`` and ``insights/funnel/``), computed by hand.

Times are 2024-01-01 UTC unless stated; funnel: signup → activate → pay,
window 1 hour unless stated.
"""

from __future__ import annotations

import pytest

from tests.capture import capture_events

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-07"}
STEPS = ["signup", "activate", "pay"]


def ev(person: str, event: str, at: str, **props) -> dict:
    day = "2024-01-01" if len(at) <= 8 else ""
    timestamp = f"{day}T{at}Z" if day else at
    return {"event": event, "distinct_id": person, "timestamp": timestamp, "properties": props}


def funnel(api, team, steps=STEPS, **filters):
    body = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": s} for s in steps],
        "dateRange": filters.pop("dateRange", RANGE),
        "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "hour", **filters.pop("funnelsFilter", {})},
        **filters,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def counts(result):
    return [step["count"] for step in result]


@pytest.mark.django_db
def test_ordered_basic_counts_and_times(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # a: all three steps; 10 min then 20 min
            ev("a", "signup", "10:00:00"), ev("a", "activate", "10:10:00"), ev("a", "pay", "10:30:00"),
            # b: two steps, 30 min
            ev("b", "signup", "11:00:00"), ev("b", "activate", "11:30:00"),
            # c: signup only
            ev("c", "signup", "12:00:00"),
        ],
    )
    result = funnel(api, team)
    assert counts(result) == [3, 2, 1]
    assert [s["name"] for s in result] == STEPS
    assert result[0]["average_conversion_time"] is None
    # activate: a 600 s, b 1800 s → mean 1200, median 1200
    assert result[1]["average_conversion_time"] == 1200.0
    assert result[1]["median_conversion_time"] == 1200.0
    # pay: a 1200 s
    assert result[2]["average_conversion_time"] == 1200.0
    assert result[0]["action_id"] == "signup" and result[0]["type"] == "events" and result[2]["order"] == 2
