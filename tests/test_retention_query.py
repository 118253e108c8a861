"""RetentionQuery through ``/query/``: rectangular rows, breakdowns, cumulative, occurrences,
first-ever occurrence, actions, groups and test-account filters; every number by hand.

Main fixture as in test_retention_api (day 0 = 2020-06-10): ``$pageview`` by p1 on days
0, 1, 2, 5, 6 and p3 on days 2, 4 (browser Chrome), p2 on days 1, 2, 3, 6 (Safari);
p3 also on 2020-06-05.
"""

from __future__ import annotations

import pytest

from analytics.models import Action
from tests.capture import capture_events
from tests.test_retention_api import fixture_events  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.django_db

URL = "/api/projects/{team}/query/"
DATE_RANGE = {"date_to": "2020-06-16"}


def run(api, team, retention_filter: dict, **extra) -> dict:
    query = {"kind": "RetentionQuery", "dateRange": DATE_RANGE, "retentionFilter": retention_filter, **extra}
    response = api.post(URL.format(team=team.id), {"query": query}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def counts(rows: list[dict]) -> list[list[int]]:
    return [[value["count"] for value in row["values"]] for row in rows]


def pv(person: str, day: str, **properties) -> dict:
    return {
        "event": "$pageview",
        "distinct_id": person,
        "timestamp": f"{day}T12:00:00Z",
        "properties": properties,
    }


def test_rectangular_rows_with_labels(api, team, fixture_events):  # noqa: F811
    body = run(api, team, {"totalIntervals": 7, "period": "Day"})
    assert counts(body["results"]) == [
        [1, 1, 1, 0, 0, 1, 1],
        [2, 2, 1, 0, 1, 2, 0],
        [3, 1, 1, 1, 2, 0, 0],
        [1, 0, 0, 1, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0, 0],
        [2, 0, 0, 0, 0, 0, 0],
    ]
    assert body["results"][2]["values"][3] == {"count": 1, "label": "Day 3"}
    assert body["results"][2]["label"] == "Day 2"
    assert body["resolved_date_range"] == {
        "date_from": "2020-06-10T00:00:00+00:00",
        "date_to": "2020-06-17T00:00:00+00:00",
    }


def test_query_default_is_eight_intervals(api, team, fixture_events):  # noqa: F811
    body = run(api, team, {})
    assert len(body["results"]) == 8
    assert body["results"][0]["date"] == "2020-06-09T00:00:00Z"
    assert all(len(row["values"]) == 8 for row in body["results"])


CHROME = [
    [1, 1, 1, 0, 0, 1, 1],  # day 0 {p1}
    [1, 1, 0, 0, 1, 1, 0],  # day 1 {p1}: back d2, d5, d6
    [2, 0, 1, 1, 1, 0, 0],  # day 2 {p1, p3}: d4 p3, d5 p1, d6 p1
    [0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 0, 0, 0],  # day 4 {p3}
    [1, 1, 0, 0, 0, 0, 0],  # day 5 {p1}: d6
    [1, 0, 0, 0, 0, 0, 0],
]
SAFARI = [
    [0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 0, 0, 1, 0],  # day 1 {p2}: back d2, d3, d6
    [1, 1, 0, 0, 1, 0, 0],
    [1, 0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 0, 0, 0],
]


def test_breakdown_by_event_property(api, team, fixture_events):  # noqa: F811
    body = run(
        api, team, {"totalIntervals": 7}, breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"}
    )
    # Chrome's cohorts total 7 people, Safari's 4: Chrome first.
    assert [row["breakdown_value"] for row in body["results"]] == ["Chrome"] * 7 + ["Safari"] * 7
    assert counts(body["results"]) == CHROME + SAFARI


def test_breakdown_limit_merges_the_rest_into_other(api, team, fixture_events):  # noqa: F811
    body = run(
        api,
        team,
        {"totalIntervals": 7},
        breakdownFilter={"breakdown": "$browser", "breakdown_type": "event", "breakdown_limit": 1},
    )
    values = [row["breakdown_value"] for row in body["results"]]
    assert values == ["Chrome"] * 7 + ["$$_posthog_breakdown_other_$$"] * 7
    assert counts(body["results"]) == CHROME + SAFARI


def test_cumulative(api, team, fixture_events):  # noqa: F811
    body = run(api, team, {"totalIntervals": 7, "cumulative": True})
    # day 1 {p1 lags 1,4,5; p2 lags 1,2,5}: both count at 0..5 → 2,2,2,2,2,2,0
    # day 2 {p1 lags 3,4; p2 lags 1,4; p3 lag 2} → 3,3,3,2,2,0,0
    assert counts(body["results"])[1:3] == [[2, 2, 2, 2, 2, 2, 0], [3, 3, 3, 2, 2, 0, 0]]


def test_test_account_filters(api, team, fixture_events):  # noqa: F811
    team.test_account_filters = [
        {"key": "$browser", "value": "Safari", "operator": "is_not", "type": "event"}
    ]
    team.save()
    body = run(api, team, {"totalIntervals": 7}, filterTestAccounts=True)
    # p2 (Safari) is filtered out: day 2 {p1, p3}: d4 p3, d5 p1, d6 p1.
    assert counts(body["results"])[2] == [2, 0, 1, 1, 1, 0, 0]
    assert counts(run(api, team, {"totalIntervals": 7})["results"])[2] == [3, 1, 1, 1, 2, 0, 0]


def test_minimum_occurrences(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        [pv("a", "2020-06-14"), pv("a", "2020-06-15"), pv("a", "2020-06-15"), pv("a", "2020-06-16")]
        + [pv("b", "2020-06-14"), pv("b", "2020-06-15"), pv("b", "2020-06-16"), pv("b", "2020-06-16")],
    )
    body = run(api, team, {"totalIntervals": 3, "minimumOccurrences": 2})
    # Returns need 2 pageviews in the period: a on 06-15, b on 06-16.
    # 06-14 {a, b}: lag 1 a, lag 2 b → 2,1,1 ; 06-15 {a, b}: lag 1 b → 2,1 ; 06-16 → 2
    assert counts(body["results"]) == [[2, 1, 1], [2, 1, 0], [2, 0, 0]]
    assert counts(run(api, team, {"totalIntervals": 3})["results"]) == [[2, 2, 2], [2, 2, 0], [2, 0, 0]]


def test_first_time_versus_first_ever_occurrence(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        [
            pv("q", "2020-06-14", **{"$browser": "Chrome"}),
            pv("q", "2020-06-15", **{"$browser": "Safari"}),
            pv("q", "2020-06-16", **{"$browser": "Chrome"}),
        ],
    )
    target = {"id": "$pageview", "type": "events", "properties": [{"key": "$browser", "value": "Safari"}]}
    first_time = run(
        api, team, {"totalIntervals": 3, "targetEntity": target, "retentionType": "retention_first_time"}
    )
    # First Safari pageview is 06-15 (cohort 1); back on 06-16.
    assert counts(first_time["results"]) == [[0, 0, 0], [1, 1, 0], [0, 0, 0]]
    first_ever = run(
        api,
        team,
        {"totalIntervals": 3, "targetEntity": target, "retentionType": "retention_first_ever_occurrence"},
    )
    # q's first-ever pageview (06-14) was Chrome, so q is in no cohort.
    assert counts(first_ever["results"]) == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]


def test_action_entities(api, team, client, clickhouse):
    docs = Action.objects.create(
        team=team,
        name="Read docs",
        steps=[{"event": "$pageview", "url": "/docs", "url_matching": "contains"}],
    )
    capture_events(
        client,
        team,
        [
            pv("a", "2020-06-14", **{"$current_url": "https://x.io/docs/start"}),
            pv("a", "2020-06-15", **{"$current_url": "https://x.io/pricing"}),
            pv("b", "2020-06-14", **{"$current_url": "https://x.io/"}),
            pv("b", "2020-06-16", **{"$current_url": "https://x.io/docs"}),
        ],
    )
    body = run(api, team, {"totalIntervals": 3, "targetEntity": {"id": docs.id, "type": "actions"}})
    # Cohorts by docs views: 06-14 {a}: back (any pageview) 06-15 → 1,1,0 ; 06-16 {b} → 1.
    assert counts(body["results"]) == [[1, 1, 0], [0, 0, 0], [1, 0, 0]]


def test_aggregation_by_group(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        [pv("a", "2020-06-15", **{"$group_0": "org-1"}), pv("b", "2020-06-16", **{"$group_0": "org-1"})],
    )
    by_group = run(api, team, {"totalIntervals": 2}, aggregation_group_type_index=0)
    # org-1 is active both days (through a, then b).
    assert counts(by_group["results"]) == [[1, 1], [1, 0]]
    assert counts(run(api, team, {"totalIntervals": 2})["results"]) == [[1, 0], [1, 0]]


def test_bad_nodes_are_400(api, team, clickhouse):
    response = api.post(
        URL.format(team=team.id),
        {"query": {"kind": "RetentionQuery", "retentionFilter": {"totalIntervals": 0}}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["attr"] == "retentionFilter__totalIntervals"
    response = api.post(
        URL.format(team=team.id),
        {
            "query": {
                "kind": "RetentionQuery",
                "retentionFilter": {"targetEntity": {"id": "x", "type": "actions"}},
            }
        },
        format="json",
    )
    assert response.status_code == 400


def test_breakdown_by_person_property(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        [
            pv("a", "2020-06-15", **{"$set": {"plan": "pro"}}),
            pv("a", "2020-06-16"),
            pv("b", "2020-06-15", **{"$set": {"plan": "free"}}),
            pv("c", "2020-06-16"),
        ],
    )
    body = run(
        api, team, {"totalIntervals": 2}, breakdownFilter={"breakdown": "plan", "breakdown_type": "person"}
    )
    # Cohort sizes: "" (c, no plan) 1, free 1, pro 2 (a on both days) → pro first, then ties by value.
    # pro: 06-15 {a} back 06-16 → 1,1 ; 06-16 {a} → 1,0
    assert [(row["breakdown_value"], [v["count"] for v in row["values"]]) for row in body["results"]] == [
        ("pro", [1, 1]),
        ("pro", [1, 0]),
        ("", [0, 0]),
        ("", [1, 0]),
        ("free", [1, 0]),
        ("free", [0, 0]),
    ]


def test_first_ever_occurrence_with_one_entity(api, team, fixture_events):  # noqa: F811
    body = run(api, team, {"totalIntervals": 7, "retentionType": "retention_first_ever_occurrence"})
    # Same answer as first time when the target has no properties: p1 from day 0, p2 from day 1,
    # p3's first pageview predates the window.
    assert counts(body["results"])[:3] == [[1, 1, 1, 0, 0, 1, 1], [1, 1, 1, 0, 0, 1, 0], [0] * 7]
