"""Stickiness and lifecycle through the query endpoint and the legacy route."""

from __future__ import annotations

import pytest

from tests.engine_events import store_events

RANGE = {"date_from": "2020-01-09", "date_to": "2020-01-13"}


@pytest.fixture
def activity(api, team, clickhouse):
    # a: 9, 10, 11 · b: 9, 11 · c: 13 (twice) · d: 10
    days = {"a": [9, 10, 11], "b": [9, 11], "c": [13, 13], "d": [10]}
    store_events(
        api,
        team,
        [
            {"event": "$pageview", "distinct_id": who, "timestamp": f"2020-01-{day:02d}T10:{i:02d}:00Z"}
            for who, ds in days.items()
            for i, day in enumerate(ds)
        ],
    )
    return team


def run(api, team, kind, **fields):
    body = {
        "kind": kind,
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": RANGE,
        **fields,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_stickiness(api, activity):
    [result] = run(api, activity, "StickinessQuery")
    # active days: a 3, b 2, c 1, d 1 over 5 days
    assert result["data"] == [2, 1, 1, 0, 0]
    assert result["count"] == 4
    assert result["labels"][:2] == ["1 day", "2 days"] and result["days"] == [1, 2, 3, 4, 5]
    [cumulative] = run(api, activity, "StickinessQuery", stickinessFilter={"computedAs": "cumulative"})
    assert cumulative["data"] == [4, 2, 1, 0, 0] and cumulative["labels"][0] == "1 day or more"
    # only days with >= 2 events qualify: c on the 13th
    [criteria] = run(
        api,
        activity,
        "StickinessQuery",
        stickinessFilter={"stickinessCriteria": {"operator": "gte", "value": 2}},
    )
    assert criteria["data"] == [1, 0, 0, 0, 0]


def test_lifecycle(api, activity):
    results = run(api, activity, "LifecycleQuery")
    by_status = {r["status"]: r["data"] for r in results}
    # persons are created at their first event (a, b: 9th, d: 10th, c: 13th)
    # 9: a new, b new · 10: a returning, d new, b dormant · 11: a returning, b resurrecting, d dormant
    # 12: a dormant, b dormant · 13: c new
    assert by_status == {
        "new": [2.0, 1.0, 0.0, 0.0, 1.0],
        "returning": [0.0, 1.0, 1.0, 0.0, 0.0],
        "resurrecting": [0.0, 0.0, 1.0, 0.0, 0.0],
        "dormant": [0.0, -1.0, -1.0, -2.0, 0.0],
    }
    assert [r["label"] for r in results][0] == "$pageview - new"
    assert results[3]["count"] == -4.0


def test_legacy_trend_route_serves_stickiness_and_lifecycle(api, activity):
    base = f"/api/projects/{activity.id}/insights/trend/"
    params = {"events": '[{"id": "$pageview"}]', "date_from": "2020-01-09", "date_to": "2020-01-13"}
    sticky = api.get(base, {**params, "insight": "STICKINESS"}).json()
    assert sticky["result"][0]["data"] == [2, 1, 1, 0, 0] and sticky["timezone"] == "UTC"
    lifecycle = api.post(
        base, {**params, "events": [{"id": "$pageview"}], "insight": "LIFECYCLE"}, format="json"
    ).json()
    assert [r["status"] for r in lifecycle["result"]] == ["new", "returning", "resurrecting", "dormant"]
    shown_as = api.get(base, {**params, "shown_as": "Stickiness"}).json()
    assert shown_as["result"][0]["data"] == [2, 1, 1, 0, 0]


def test_stickiness_compare_and_weekly(api, activity):
    results = run(api, activity, "StickinessQuery", compareFilter={"compare": True})
    assert [r["compare_label"] for r in results] == ["current", "previous"]
    # previous period Jan 4–8 has no events
    assert results[1]["data"] == [0, 0, 0, 0, 0] and results[1]["count"] == 0
    # one week (Sunday start) bucket for Jan 9–11, and Jan 12–13 is the next week
    [weekly] = run(api, activity, "StickinessQuery", interval="week")
    # a, b, d active only in week 1; c only in week 2 → all 4 active in exactly 1 week
    assert weekly["data"] == [4, 0] and weekly["labels"] == ["1 week", "2 weeks"]


def test_lifecycle_of_an_action(api, activity):
    from analytics.models import Action

    action = Action.objects.create(team=activity, name="Views", steps=[{"event": "$pageview"}])
    results = run(api, activity, "LifecycleQuery", series=[{"kind": "ActionsNode", "id": action.id}])
    assert results[0]["label"] == "Views - new"
    assert results[0]["action"] == {
        "id": str(action.id),
        "name": "Views",
        "type": "actions",
        "order": 0,
        "math": "total",
    }
    assert results[0]["data"] == [2.0, 1.0, 0.0, 0.0, 1.0]


def test_lifecycle_by_week(api, activity):
    results = run(api, activity, "LifecycleQuery", interval="week")
    # weeks (Sunday start): Jan 5–11 a, b, d (all created that week) · Jan 12–18 c new; a, b, d dormant
    assert {r["status"]: r["data"] for r in results} == {
        "new": [3.0, 1.0],
        "returning": [0.0, 0.0],
        "resurrecting": [0.0, 0.0],
        "dormant": [0.0, -3.0],
    }
    assert results[0]["days"] == ["2020-01-05", "2020-01-12"]


def test_scopes_and_prefixes(client, owner, team, outsider, clickhouse):
    from tests.factories import make_key

    node = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    insight_only = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner.user, ['insight:read'])}"}
    query_only = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner.user, ['query:read'])}"}
    query_url = f"/api/projects/{team.id}/query/"
    trend_url = f"/api/environments/{team.id}/insights/trend/"
    assert client.post(query_url, {"query": node}, format="json", **insight_only).status_code == 403
    assert client.post(query_url, {"query": node}, format="json", **query_only).status_code == 200
    assert client.get(trend_url, {"events": '[{"id": "$pageview"}]'}, **query_only).status_code == 403
    assert client.get(trend_url, {"events": '[{"id": "$pageview"}]'}, **insight_only).status_code == 200
    env = client.post(f"/api/environments/{team.id}/query", {"query": node}, format="json", **query_only)
    assert env.status_code == 200
    foreign = client.post(
        query_url, {"query": node}, format="json", HTTP_AUTHORIZATION=f"Bearer {outsider.key}"
    )
    assert foreign.status_code == 404
