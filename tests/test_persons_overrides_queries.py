"""Merged persons count once, by the override's person id, in every person-counting query —
with no overrides (the override lookup folds away), with overrides, and when a merge arrives
between two queries (cache bypassed).

Fixture (UTC), persons A (anon-1), U (user-1), S (solo):
  2024-03-01 10:00 anon-1 $pageview · 10:05 user-1 signup · 10:10 solo $pageview
  2024-03-02 10:00 user-1 $pageview · 10:00 solo $pageview
Then ``$identify`` (user-1, $anon_distinct_id anon-1) merges A into U: an override row for
anon-1, the stored events keep A's id.

Before the merge / after it, by hand:
  unique users (whole range)   A, S, U = 3         / U, S = 2
  DAU                          [A,S]=2, [U,S]=2    / [U,S]=2, [U,S]=2
  stickiness 1 day / 2 days    A, U = 2 / S = 1    / 0 / U, S = 2
  retention day-1 cohort       A, S = 2; day 2: S  / U, S = 2; day 2: U, S
  (the day-2 cohort is U, S = 2 either way, its only later cell 0)
  funnel $pageview → signup    3 → 0 (U's signup precedes U's only pageview)
                               / 2 → 1 (U: anon-1's pageview 10:00, signup 10:05)
  DAU actors on 03-01          [anon-1], [solo]    / [anon-1, user-1], [solo]
"""

from __future__ import annotations

import pytest

from tests.capture import capture_events
from tests.factories import make_org_with_team

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-03-01", "date_to": "2024-03-02"}
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview", "math": "dau"}
DAU = {"kind": "TrendsQuery", "series": [PAGEVIEW], "dateRange": RANGE, "interval": "day"}
UNIQUE = {**DAU, "trendsFilter": {"display": "BoldNumber"}}
STICKINESS = {
    "kind": "StickinessQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": RANGE,
}
RETENTION = {
    "kind": "RetentionQuery",
    "retentionFilter": {
        "period": "Day",
        "totalIntervals": 2,
        "targetEntity": {"id": "$pageview", "type": "events"},
        "returningEntity": {"id": "$pageview", "type": "events"},
    },
    "dateRange": RANGE,
}
FUNNEL = {
    "kind": "FunnelsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "signup"}],
    "dateRange": RANGE,
}


def ev(event, distinct_id, day, minute, **properties):
    return {
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": f"2024-03-0{day}T10:{minute:02d}:00Z",
        "properties": properties,
    }


def load(client, team):
    capture_events(
        client,
        team,
        [
            ev("$pageview", "anon-1", 1, 0),
            ev("signup", "user-1", 1, 5),
            ev("$pageview", "solo", 1, 10),
            ev("$pageview", "user-1", 2, 0),
            ev("$pageview", "solo", 2, 0),
        ],
    )


def merge(client, team):
    capture_events(client, team, [ev("$identify", "user-1", 1, 6, **{"$anon_distinct_id": "anon-1"})])


def post(api, team, query):
    body = {"query": query, "refresh": "force_blocking"}  # every call computes afresh
    response = api.post(f"/api/projects/{team.id}/query/", body, format="json")
    assert response.status_code == 200, response.content[:400]
    return response.json()


def numbers(api, team) -> dict:
    dau = post(api, team, DAU)["results"][0]["data"]
    unique = post(api, team, UNIQUE)["results"][0]["aggregated_value"]
    sticky = post(api, team, STICKINESS)["results"][0]["data"]
    retention = [[v["count"] for v in row["values"]] for row in post(api, team, RETENTION)["results"]]
    funnel = [step["count"] for step in post(api, team, FUNNEL)["results"]]
    actors_query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": DAU, "day": "2024-03-01"},
        "select": ["person"],
    }
    actors = sorted(sorted(row[0]["distinct_ids"]) for row in post(api, team, actors_query)["results"])
    return {
        "dau": dau,
        "unique": unique,
        "sticky": sticky,
        "retention": retention,
        "funnel": funnel,
        "actors": actors,
    }


BEFORE = {
    "dau": [2, 2],
    "unique": 3,
    "sticky": [2, 1],
    "retention": [[2, 1], [2, 0]],
    "funnel": [3, 0],
    "actors": [["anon-1"], ["solo"]],
}
AFTER = {
    "dau": [2, 2],
    "unique": 2,
    "sticky": [0, 2],
    "retention": [[2, 2], [2, 0]],
    "funnel": [2, 1],
    "actors": [["anon-1", "user-1"], ["solo"]],
}


def test_no_overrides(api, client, team, clickhouse):
    load(client, team)
    assert clickhouse.execute("SELECT count() FROM person_distinct_id_overrides").rows[0][0] == 0
    assert numbers(api, team) == BEFORE


def test_merge_between_two_queries(api, client, team, clickhouse):
    load(client, team)
    assert numbers(api, team) == BEFORE
    merge(client, team)
    assert clickhouse.execute("SELECT count() FROM person_distinct_id_overrides").rows[0][0] == 1
    assert numbers(api, team) == AFTER


def test_overrides_of_another_project_do_not_apply(api, client, team, clickhouse):
    _, other = make_org_with_team("Other")
    load(client, team)
    load(client, other)
    merge(client, other)
    assert numbers(api, team) == BEFORE
