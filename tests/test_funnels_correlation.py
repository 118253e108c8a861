"""Funnel correlation (engine.md §4) through ``insights/funnel/correlation/`` and ``/query/``.

Funnel signup → pay, window 1 day, all on 2024-01-01 UTC.
Successes s1, s2, s3; failures f1, f2, f3 → S = 3, F = 3.
"""

from __future__ import annotations

import json

import pytest

from tests.capture import capture_events
from tests.funnels_helpers import ev, run_query

EVENTS = json.dumps([{"id": "signup", "order": 0}, {"id": "pay", "order": 1}])
BASE = {"events": EVENTS, "date_from": "2024-01-01", "date_to": "2024-01-07", "funnel_window_days": 1}


@pytest.fixture
def population(api, team, clickhouse):
    events = []
    for person, plan in (("s1", "pro"), ("s2", "pro"), ("s3", "free")):
        events += [
            ev(person, "signup", "10:00:00", **{"$set": {"plan": plan}}),
            ev(person, "pay", "12:00:00"),
        ]
    for person in ("f1", "f2", "f3"):
        events.append(ev(person, "signup", "10:00:00", **{"$set": {"plan": "free"}}))
    events += [
        ev("s1", "watched_video", "11:00:00", length="long"),
        ev("s2", "watched_video", "11:00:00", length="long"),
        ev("f1", "watched_video", "11:00:00", length="short"),
        ev("f2", "read_docs", "11:00:00", page="api"),
        ev("f3", "read_docs", "11:00:00", page="api"),
        ev("s3", "read_docs", "11:00:00", page="api"),
        # before s1's signup: outside the span, ignored
        ev("s1", "landing", "09:00:00"),
        # after s2 paid: outside the span, ignored
        ev("s2", "logout", "13:00:00"),
    ]
    capture_events(api, team, events)


def correlation(api, team, **extra):
    response = api.get(f"/api/projects/{team.id}/insights/funnel/correlation/", {**BASE, **extra})
    assert response.status_code == 200, response.json()
    return response.json()["result"]


def rows(result):
    return [
        (
            r["event"]["event"],
            r["success_count"],
            r["failure_count"],
            round(r["odds_ratio"], 4),
            r["correlation_type"],
        )
        for r in result["events"]
    ]


def test_event_correlation(api, team, population):
    result = correlation(api, team)
    assert result["skewed"] is False
    # watched_video s=2 f=1: (3 · 3) / (2 · 2) = 2.25; read_docs s=1 f=2: (2 · 2) / (3 · 3) = 0.4444
    assert rows(result) == [
        ("watched_video", 2, 1, 2.25, "success"),
        ("read_docs", 1, 2, 0.4444, "failure"),
    ]
    assert result["events"][0]["event"] == {"event": "watched_video", "properties": {}, "elements": []}


def test_event_correlation_excluded_names(api, team, population):
    result = correlation(api, team, funnel_correlation_exclude_event_names=json.dumps(["read_docs"]))
    assert [r[0] for r in rows(result)] == ["watched_video"]


def test_person_property_correlation(api, team, population):
    result = correlation(
        api, team, funnel_correlation_type="properties", funnel_correlation_names=json.dumps(["plan"])
    )
    # plan::pro s=2 f=0: (3 · 4) / (2 · 1) = 6; plan::free s=1 f=3: (2 · 1) / (3 · 4) = 0.1667
    assert rows(result) == [("plan::pro", 2, 0, 6.0, "success"), ("plan::free", 1, 3, 0.1667, "failure")]
    every = correlation(
        api, team, funnel_correlation_type="properties", funnel_correlation_names=json.dumps(["$all"])
    )
    assert ("plan::pro", 2, 0, 6.0, "success") in rows(every)


def test_event_with_properties_correlation(api, team, population):
    result = correlation(
        api,
        team,
        funnel_correlation_type="event_with_properties",
        funnel_correlation_event_names=json.dumps(["read_docs", "watched_video"]),
    )
    # read_docs::page::api s=1 f=2 → 0.4444; watched_video::length::long (2 actors) and ::short (1) are ≤ 2, dropped
    assert rows(result) == [("read_docs::page::api", 1, 2, 0.4444, "failure")]


def test_skewed_when_nobody_fails(api, team, clickhouse):
    capture_events(api, team, [ev("s", "signup", "10:00:00"), ev("s", "pay", "11:00:00")])
    assert correlation(api, team) == {"events": [], "skewed": True}


def test_query_node(api, team, population):
    query = {
        "kind": "FunnelCorrelationQuery",
        "funnelCorrelationType": "events",
        "source": {
            "kind": "FunnelsActorsQuery",
            "source": {
                "kind": "FunnelsQuery",
                "series": [{"kind": "EventsNode", "event": "signup"}, {"kind": "EventsNode", "event": "pay"}],
                "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-07"},
                "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
            },
        },
    }
    body = run_query(api, team, query)
    assert [r["event"]["event"] for r in body["results"]["events"]] == ["watched_video", "read_docs"]
    bad = run_query(api, team, {**query, "funnelCorrelationType": "vibes"}, status=400)
    assert bad["attr"] == "funnelCorrelationType"
