"""An action (created over HTTP) in every insight kind that takes one, numbers by hand;
and what happens to a saved insight whose action is deleted.

Action "Viewed pricing" = a ``$pageview`` whose URL contains ``/pricing`` OR a click
on ``a.pricing-link``. Events (UTC, 2024), ✓ = matches the action:

    Jan 1  a $pageview /pricing ✓   b $pageview /home     c click a.pricing-link ✓
    Jan 2  a $pageview /pricing ✓ (10:00 and 11:00)       b $pageview /pricing ✓
    Jan 3  c click a.pricing-link ✓  a purchase            b $pageview /home
    Jan 4  b purchase

Matches per day: Jan 1 a, c (2) · Jan 2 a, a, b (3) · Jan 3 c (1) · Jan 4 none.
"""

from __future__ import annotations

import json

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}
LINK = [{"tag_name": "a", "attr__class": "pricing-link", "$el_text": "Pricing"}, {"tag_name": "body"}]


def _ev(person, day, time, event, url=None, elements=None):
    properties = {"$current_url": f"https://shop.example{url}"} if url else {}
    if elements:
        properties["$elements"] = elements
    return {
        "event": event,
        "distinct_id": person,
        "timestamp": f"2024-01-0{day}T{time}Z",
        "properties": properties,
    }


EVENTS = [
    _ev("a", 1, "10:00:00", "$pageview", "/pricing"),
    _ev("b", 1, "10:00:00", "$pageview", "/home"),
    _ev("c", 1, "10:00:00", "$autocapture", "/home", LINK),
    _ev("a", 2, "10:00:00", "$pageview", "/pricing"),
    _ev("a", 2, "11:00:00", "$pageview", "/pricing"),
    _ev("b", 2, "10:00:00", "$pageview", "/pricing"),
    _ev("c", 3, "10:00:00", "$autocapture", "/home", LINK),
    _ev("a", 3, "12:00:00", "purchase"),
    _ev("b", 3, "10:00:00", "$pageview", "/home"),
    _ev("b", 4, "10:00:00", "purchase"),
]


@pytest.fixture
def pricing(api, team, clickhouse):
    capture_events(api, team, EVENTS)
    steps = [
        {"event": "$pageview", "url": "/pricing"},
        {"event": "$autocapture", "selector": "a.pricing-link"},
    ]
    response = api.post(
        f"/api/projects/{team.id}/actions/", {"name": "Viewed pricing", "steps": steps}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _query(api, team, query, status=200):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == status, response.json()
    return response.json()


def _node(action_id, **extra):
    return {"kind": "ActionsNode", "id": action_id, **extra}


def test_trends(api, team, pricing):
    body = _query(
        api,
        team,
        {
            "kind": "TrendsQuery",
            "series": [_node(pricing), _node(pricing, math="dau")],
            "dateRange": RANGE,
            "interval": "day",
        },
    )
    total, dau = body["results"]
    assert total["label"] == "Viewed pricing" and total["action"]["id"] == pricing
    assert total["data"] == [2, 3, 1, 0] and total["count"] == 6
    # distinct people per day: {a, c}, {a, b}, {c}, {}
    assert dau["data"] == [2, 2, 1, 0]


def test_persons_behind_an_action_data_point(api, team, pricing):
    source = {"kind": "TrendsQuery", "series": [_node(pricing)], "dateRange": RANGE, "interval": "day"}
    query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": source, "day": "2024-01-02"},
        "select": ["person", "event_count"],
    }
    body = _query(api, team, query)
    # Jan 2: a viewed pricing twice, b once.
    assert [(row[0]["distinct_ids"], row[1]) for row in body["results"]] == [(["a"], 2), (["b"], 1)]


def test_legacy_trends_with_actions_param(api, team, pricing):
    params = {"actions": json.dumps([{"id": pricing, "type": "actions"}]), **RANGE, "interval": "day"}
    response = api.get(f"/api/projects/{team.id}/insights/trend/", params)
    assert response.status_code == 200, response.json()
    [result] = response.json()["result"]
    assert result["data"] == [2, 3, 1, 0] and result["label"] == "Viewed pricing"


def test_funnel_with_action_step(api, team, pricing):
    body = _query(
        api,
        team,
        {
            "kind": "FunnelsQuery",
            "series": [_node(pricing), {"kind": "EventsNode", "event": "purchase"}],
            "dateRange": RANGE,
        },
    )
    # a: pricing Jan 1 → purchase Jan 3; b: pricing Jan 2 → purchase Jan 4; c never buys.
    assert [step["count"] for step in body["results"]] == [3, 2]
    assert (body["results"][0]["action_id"], body["results"][0]["type"]) == (pricing, "actions")
    # As the second step: purchases followed by a pricing view — a (Jan 3) and b (Jan 4) never view again.
    body = _query(
        api,
        team,
        {
            "kind": "FunnelsQuery",
            "series": [{"kind": "EventsNode", "event": "purchase"}, _node(pricing)],
            "dateRange": RANGE,
        },
    )
    assert [step["count"] for step in body["results"]] == [2, 0]


def test_funnel_exclusion_with_action(api, team, pricing):
    # Two more people: d signs up, views pricing, activates; e signs up and activates.
    capture_events(
        api,
        team,
        [
            _ev("d", 1, "09:00:00", "signup"),
            _ev("d", 1, "09:30:00", "$pageview", "/pricing"),
            _ev("d", 1, "10:00:00", "activate"),
            _ev("e", 1, "09:00:00", "signup"),
            _ev("e", 1, "10:00:00", "activate"),
        ],
    )
    steps = [{"kind": "EventsNode", "event": "signup"}, {"kind": "EventsNode", "event": "activate"}]
    plain = _query(api, team, {"kind": "FunnelsQuery", "series": steps, "dateRange": RANGE})
    assert [step["count"] for step in plain["results"]] == [2, 2]
    exclusion = {**_node(pricing), "funnelFromStep": 0, "funnelToStep": 1}
    body = _query(
        api,
        team,
        {
            "kind": "FunnelsQuery",
            "series": steps,
            "funnelsFilter": {"exclusions": [exclusion]},
            "dateRange": RANGE,
        },
    )
    # d viewed pricing between signing up and activating: left out of the funnel entirely.
    assert [step["count"] for step in body["results"]] == [1, 1]


def test_retention_target_and_returning(api, team, pricing):
    def rows(retention_filter):
        body = _query(
            api,
            team,
            {
                "kind": "RetentionQuery",
                "dateRange": {"date_to": "2024-01-04"},
                "retentionFilter": {"totalIntervals": 4, "period": "Day", **retention_filter},
            },
        )
        return [[value["count"] for value in row["values"]] for row in body["results"]]

    action = {"id": pricing, "type": "actions"}
    # Cohorts by pricing views: Jan 1 {a, c}: a back Jan 2, c back Jan 3; Jan 2 {a, b}: neither
    # views pricing again; Jan 3 {c}; Jan 4 none.
    # (rows are rectangular: days past the range count 0)
    assert rows({"targetEntity": action, "returningEntity": action}) == [
        [2, 1, 1, 0],
        [2, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ]
    # Cohorts by any pageview, returning by pricing views: Jan 1 {a, b} both view pricing Jan 2 (b's
    # Jan 3 pageview is /home, so it does not count); Jan 2 {a, b}; Jan 3 {b}; Jan 4 none.
    pageview = {"id": "$pageview", "type": "events"}
    assert rows({"targetEntity": pageview, "returningEntity": action}) == [
        [2, 2, 0, 0],
        [2, 0, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ]
    # The same with any pageview returning: b's Jan 3 /home pageview counts now.
    assert rows({"targetEntity": pageview, "returningEntity": pageview}) == [
        [2, 2, 1, 0],
        [2, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ]


def test_stickiness(api, team, pricing):
    body = _query(api, team, {"kind": "StickinessQuery", "series": [_node(pricing)], "dateRange": RANGE})
    # days with a pricing view: a 2 (Jan 1, 2), b 1 (Jan 2), c 2 (Jan 1, 3)
    assert body["results"][0]["data"] == [1, 2, 0, 0]
    assert body["results"][0]["label"] == "Viewed pricing"


def test_lifecycle(api, team, pricing):
    body = _query(api, team, {"kind": "LifecycleQuery", "series": [_node(pricing)], "dateRange": RANGE})
    by_status = {r["status"]: r["data"] for r in body["results"]}
    # Jan 1: a, c new. Jan 2: a returning; b (first seen Jan 1 on /home) resurrecting; c dormant.
    # Jan 3: c resurrecting; a, b dormant. Jan 4: c dormant.
    assert by_status == {
        "new": [2, 0, 0, 0],
        "returning": [0, 1, 0, 0],
        "resurrecting": [0, 1, 1, 0],
        "dormant": [0, -1, -2, -1],
    }


def test_unknown_actions_name_the_field_in_every_kind(api, team, clickhouse):
    missing = 987654
    purchase = {"kind": "EventsNode", "event": "purchase"}
    cases = [
        ({"kind": "StickinessQuery", "series": [purchase, _node(missing)]}, "series__1__id"),
        ({"kind": "LifecycleQuery", "series": [_node(missing)]}, "series__0__id"),
        ({"kind": "FunnelsQuery", "series": [purchase, _node(missing)]}, "series__1__id"),
        (
            {
                "kind": "FunnelsQuery",
                "series": [purchase, purchase],
                "funnelsFilter": {"exclusions": [{**_node(missing), "funnelFromStep": 0, "funnelToStep": 1}]},
            },
            "funnelsFilter__exclusions__0__id",
        ),
        (
            {
                "kind": "RetentionQuery",
                "retentionFilter": {"targetEntity": {"id": missing, "type": "actions"}},
            },
            "retentionFilter__targetEntity__id",
        ),
        (
            {
                "kind": "RetentionQuery",
                "retentionFilter": {"returningEntity": {"id": missing, "type": "actions"}},
            },
            "retentionFilter__returningEntity__id",
        ),
    ]
    for query, attr in cases:
        body = _query(api, team, query, status=400)
        assert (body["attr"], body["detail"]) == (attr, f"Action {missing} does not exist."), query["kind"]


def test_deleted_action_in_a_saved_insight(api, team, pricing):
    query = {
        "kind": "InsightVizNode",
        "source": {"kind": "TrendsQuery", "series": [_node(pricing)], "dateRange": RANGE},
    }
    created = api.post(
        f"/api/projects/{team.id}/insights/", {"name": "Pricing", "query": query}, format="json"
    )
    assert created.status_code == 201
    insight_url = f"/api/projects/{team.id}/insights/{created.json()['id']}/"
    computed = api.get(insight_url, {"refresh": "blocking"}).json()
    assert computed["result"][0]["data"] == [2, 3, 1, 0]

    deleted = api.patch(f"/api/projects/{team.id}/actions/{pricing}/", {"deleted": True}, format="json")
    assert deleted.status_code == 200
    # The insight still loads (its stored query untouched) …
    loaded = api.get(insight_url)
    assert loaded.status_code == 200 and loaded.json()["query"] == query
    # … but computing it is refused, naming the series: never a zero, nor the numbers cached
    # before the deletion (the action's definition is part of the result cache key).
    refreshed = api.get(insight_url, {"refresh": "blocking"})
    assert refreshed.status_code == 400
    assert refreshed.json()["detail"] == f"Action {pricing} does not exist."
    assert refreshed.json()["attr"] == "series__0__id"
    # Restoring the action makes it compute again.
    api.patch(f"/api/projects/{team.id}/actions/{pricing}/", {"deleted": False}, format="json")
    assert api.get(insight_url, {"refresh": "blocking"}).json()["result"][0]["data"] == [2, 3, 1, 0]


def test_hogql_matches_action(api, team, pricing):
    def hogql(text, status=200):
        return _query(api, team, {"kind": "HogQLQuery", "query": text}, status)

    # 6 matching events in all: Jan 1 two, Jan 2 three, Jan 3 one.
    assert hogql("SELECT count() FROM events WHERE matchesAction('Viewed pricing')")["results"] == [[6]]
    assert hogql(f"SELECT count() FROM events WHERE matchesAction({pricing})")["results"] == [[6]]
    by_event = hogql(
        "SELECT e.event, count() FROM events AS e WHERE matchesAction('Viewed pricing') GROUP BY e.event ORDER BY e.event"
    )
    assert by_event["results"] == [["$autocapture", 2], ["$pageview", 4]]
    refused = hogql("SELECT count() FROM events WHERE matchesAction('Nope')", status=400)
    assert refused["detail"] == "Could not find an action with the name 'Nope'."
    # Inside an insight's HogQL math: per day, the same numbers as the action series.
    body = _query(
        api,
        team,
        {
            "kind": "TrendsQuery",
            "series": [
                {
                    "kind": "EventsNode",
                    "event": None,
                    "math": "hogql",
                    "math_hogql": "countIf(matchesAction('Viewed pricing'))",
                }
            ],
            "dateRange": RANGE,
            "interval": "day",
        },
    )
    assert body["results"][0]["data"] == [2, 3, 1, 0]
    # Property filters compile without the project: refused, not guessed.
    series = {
        "kind": "EventsNode",
        "event": None,
        "properties": [{"type": "hogql", "key": "matchesAction(1)"}],
    }
    refused = _query(api, team, {"kind": "TrendsQuery", "series": [series]}, status=400)
    assert "not available in property filters" in refused["detail"]
    # A deleted action is not found either.
    api.patch(f"/api/projects/{team.id}/actions/{pricing}/", {"deleted": True}, format="json")
    hogql(f"SELECT count() FROM events WHERE matchesAction({pricing})", status=400)


def test_editing_an_action_changes_cached_results(api, team, pricing):
    query = {"kind": "TrendsQuery", "series": [_node(pricing)], "dateRange": RANGE, "interval": "day"}
    insight = api.post(
        f"/api/projects/{team.id}/insights/",
        {"name": "Pricing", "query": {"kind": "InsightVizNode", "source": query}},
        format="json",
    ).json()
    insight_url = f"/api/projects/{team.id}/insights/{insight['id']}/"
    assert api.get(insight_url, {"refresh": "blocking"}).json()["result"][0]["data"] == [2, 3, 1, 0]
    # Pageviews of /pricing only (the clicks no longer count): Jan 1 a; Jan 2 a, a, b.
    api.patch(
        f"/api/projects/{team.id}/actions/{pricing}/",
        {"steps": [{"event": "$pageview", "url": "/pricing"}]},
        format="json",
    )
    refreshed = api.get(insight_url, {"refresh": "blocking"}).json()
    assert refreshed["result"][0]["data"] == [1, 3, 0, 0] and refreshed["is_cached"] is False
