"""Lifecycle aggregated by group (``aggregation_group_type_index``), through HTTP.

Companies (type index 0): acme first identified 2024-01-10, globex 2024-01-01, initech
never identified. Pageviews:

    Jan 10: acme (u1), globex (u2), initech (u3)
    Jan 11: acme (u1 and u4)
    Jan 12: globex (u2), initech (u3), and u5 without a company (not counted)

By company, each day (new / returning / resurrecting / dormant):
    Jan 10: acme new (created that day); globex and initech resurrecting (created earlier)
    Jan 11: acme returning; globex and initech dormant (-2)
    Jan 12: globex and initech resurrecting (last seen Jan 10); acme dormant (-1)
"""

from __future__ import annotations

import pytest

from tests.engine_events import store_events

pytestmark = pytest.mark.clickhouse

RANGE = {"date_from": "2024-01-10", "date_to": "2024-01-12"}
EXPECTED = {"new": [1, 0, 0], "returning": [0, 1, 0], "resurrecting": [2, 0, 2], "dormant": [0, -2, -1]}


def pageview(distinct_id, day, company=None):
    props = {"$groups": {"company": company}} if company else {}
    return {
        "event": "pageview",
        "distinct_id": distinct_id,
        "timestamp": f"{day}T09:00:00Z",
        "properties": props,
    }


@pytest.fixture
def data(api, team, clickhouse):
    store_events(
        api,
        team,
        [
            {
                "event": "$groupidentify",
                "distinct_id": "admin",
                "timestamp": when,
                "properties": {"$group_type": "company", "$group_key": key, "$group_set": {"name": key}},
            }
            for key, when in (("globex", "2024-01-01T00:00:00Z"), ("acme", "2024-01-10T00:00:00Z"))
        ],
    )
    store_events(
        api,
        team,
        [
            pageview("u1", "2024-01-10", "acme"),
            pageview("u2", "2024-01-10", "globex"),
            pageview("u3", "2024-01-10", "initech"),
            pageview("u1", "2024-01-11", "acme"),
            pageview("u4", "2024-01-11", "acme"),
            pageview("u2", "2024-01-12", "globex"),
            pageview("u3", "2024-01-12", "initech"),
            pageview("u5", "2024-01-12"),
        ],
    )
    return team


def lifecycle(api, team, **fields):
    body = {
        "kind": "LifecycleQuery",
        "series": [{"kind": "EventsNode", "event": "pageview"}],
        "dateRange": RANGE,
        **fields,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return {r["status"]: r["data"] for r in response.json()["results"]}


def test_lifecycle_by_group(api, data):
    assert lifecycle(api, data, aggregation_group_type_index=0) == EXPECTED


def test_lifecycle_by_group_with_a_group_filter(api, data):
    acme = {"type": "group", "group_type_index": 0, "key": "name", "value": "acme"}
    # Only acme's events: new on Jan 10, returning on Jan 11, dormant on Jan 12.
    assert lifecycle(api, data, aggregation_group_type_index=0, properties=[acme]) == {
        "new": [1, 0, 0],
        "returning": [0, 1, 0],
        "resurrecting": [0, 0, 0],
        "dormant": [0, 0, -1],
    }


def test_legacy_lifecycle_by_group(api, data):
    response = api.get(
        f"/api/projects/{data.id}/insights/trend/",
        {
            "insight": "LIFECYCLE",
            "events": '[{"id": "pageview"}]',
            "date_from": RANGE["date_from"],
            "date_to": RANGE["date_to"],
            "aggregation_group_type_index": 0,
        },
    )
    assert response.status_code == 200, response.json()
    assert {r["status"]: r["data"] for r in response.json()["result"]} == EXPECTED


def test_refused_where_groups_are_not_built(api, data):
    # Trends take groups through math unique_group; as a query-level field it is refused.
    response = api.get(
        f"/api/projects/{data.id}/insights/trend/",
        {"events": '[{"id": "pageview"}]', "aggregation_group_type_index": 0},
    )
    assert response.status_code == 400 and response.json()["attr"] == "aggregation_group_type_index"
    bad = api.post(
        f"/api/projects/{data.id}/query/",
        {
            "query": {
                "kind": "LifecycleQuery",
                "series": [{"kind": "EventsNode", "event": "pageview"}],
                "aggregation_group_type_index": 5,
            }
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["attr"] == "aggregation_group_type_index"


def test_stickiness_of_groups(api, data):
    series = {"kind": "EventsNode", "event": "pageview", "math": "unique_group", "math_group_type_index": 0}
    body = {"kind": "StickinessQuery", "series": [series], "dateRange": RANGE}
    response = api.post(f"/api/projects/{data.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    # Days active by company: acme Jan 10-11, globex and initech Jan 10 and 12: all three on 2 days
    # (u5's pageview has no company and counts nowhere).
    assert response.json()["results"][0]["data"] == [0, 3, 0]


def lifecycle_actors(api, team, day, status):
    source = {
        "kind": "LifecycleQuery",
        "series": [{"kind": "EventsNode", "event": "pageview"}],
        "dateRange": RANGE,
        "aggregation_group_type_index": 0,
    }
    body = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": source, "day": day, "status": status},
        "select": ["key"],
        "orderBy": ["key ASC"],
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return [row[0] for row in response.json()["results"]]


def test_lifecycle_group_actors(api, data):
    assert lifecycle_actors(api, data, "2024-01-10", "new") == ["acme"]
    assert lifecycle_actors(api, data, "2024-01-10", "resurrecting") == ["globex", "initech"]
    assert lifecycle_actors(api, data, "2024-01-11", "dormant") == ["globex", "initech"]
    # Every bar: as many groups as the insight shows (dormant bars are negative).
    days = ["2024-01-10", "2024-01-11", "2024-01-12"]
    for status, values in EXPECTED.items():
        for day, value in zip(days, values, strict=True):
            assert len(lifecycle_actors(api, data, day, status)) == abs(value), (status, day)
