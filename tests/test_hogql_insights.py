"""HogQL inside insights, on /query/ nodes and legacy filters, on tests/hogql_fixture.py's events.

Per day (2024-01-01..03) the $pageviews are: day 1 u1; day 2 u1, u2; day 3 u1, u2, u3;
``price`` = 10 × day; u1 and u3 use Chrome, u2 Firefox; u1 and u3 also sign up on day 3.
"""

from __future__ import annotations

import json

import pytest

from tests.factories import make_org_with_team
from tests.hogql_fixture import store_fixture

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-03"}
LEGACY_RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-03"}
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview"}


@pytest.fixture
def data(api, team, clickhouse):
    _, other = make_org_with_team("Globex")
    store_fixture(api, team, other)
    return team


def query(api, team, node):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": node}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def legacy(api, team, route, **filters):
    params = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in filters.items()}
    response = api.get(f"/api/projects/{team.id}/insights/{route}/", params)
    assert response.status_code == 200, response.content
    return response.json()["result"]


def trends(api, team, **fields):
    return query(api, team, {"kind": "TrendsQuery", "series": [PAGEVIEW], "dateRange": RANGE, **fields})


def test_math_hogql(api, data):
    series = [{**PAGEVIEW, "math": "hogql", "math_hogql": "sum(toFloat(properties.price))"}]
    (row,) = trends(api, data, series=series)
    assert row["data"] == [10, 40, 90]  # 10; 20 + 20; 30 × 3
    assert row["action"]["math_hogql"] == "sum(toFloat(properties.price))"
    series = [{**PAGEVIEW, "math": "hogql", "math_hogql": "count(distinct person_id)"}]
    assert trends(api, data, series=series)[0]["data"] == [1, 2, 3]
    events = [{"id": "$pageview", "math": "hogql", "math_hogql": "max(toFloat(properties.price)) / 10"}]
    (row,) = legacy(api, data, "trend", events=events, **LEGACY_RANGE)
    assert row["data"] == [1, 2, 3]


def test_math_hogql_must_aggregate(api, data):
    series = [{**PAGEVIEW, "math": "hogql", "math_hogql": "properties.price"}]
    node = {"kind": "TrendsQuery", "series": series, "dateRange": RANGE}
    response = api.post(f"/api/projects/{data.id}/query/", {"query": node}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "series__math_hogql"


def test_breakdown_hogql(api, data):
    rows = trends(
        api, data, breakdownFilter={"breakdown_type": "hogql", "breakdown": "lower(properties.$browser)"}
    )
    assert {r["breakdown_value"]: r["data"] for r in rows} == {"chrome": [1, 1, 2], "firefox": [0, 1, 1]}
    rows = legacy(
        api,
        data,
        "trend",
        events=[{"id": "$pageview"}],
        breakdown="toFloat(properties.price) >= 20",
        breakdown_type="hogql",
        **LEGACY_RANGE,
    )
    assert {r["breakdown_value"]: r["data"] for r in rows} == {"0": [1, 0, 0], "1": [0, 2, 3]}


def test_hogql_property_filters(api, data):
    hogql = [{"type": "hogql", "key": "toFloat(properties.price) >= 20"}]
    assert trends(api, data, properties=hogql)[0]["data"] == [0, 2, 3]
    series = [{**PAGEVIEW, "properties": [{"type": "hogql", "key": "person.properties.plan = 'pro'"}]}]
    assert trends(api, data, series=series)[0]["data"] == [1, 1, 1]
    (row,) = legacy(api, data, "trend", events=[{"id": "$pageview"}], properties=hogql, **LEGACY_RANGE)
    assert row["data"] == [0, 2, 3]
    body = {"kind": "EventsQuery", "select": ["count()"], "after": "2023-12-31", "properties": hogql}
    assert query(api, data, body) == [[7]]  # 5 pageviews + 2 signups on day 2 or 3


def test_funnel_aggregate_by_hogql(api, data):
    node = {
        "kind": "FunnelsQuery",
        "series": [PAGEVIEW, {"kind": "EventsNode", "event": "signup"}],
        "dateRange": RANGE,
    }
    assert [s["count"] for s in query(api, data, node)] == [3, 2]  # persons
    node["funnelsFilter"] = {"funnelAggregateByHogQL": "properties.$browser"}
    assert [s["count"] for s in query(api, data, node)] == [2, 1]  # browsers: Chrome converts
    steps = legacy(
        api,
        data,
        "funnel",
        events=[{"id": "$pageview", "order": 0}, {"id": "signup", "order": 1}],
        funnel_aggregate_by_hogql="properties.$browser",
        **LEGACY_RANGE,
    )
    assert [s["count"] for s in steps] == [2, 1]


def test_paths_hogql_items(api, data):
    # Paths run within a session (30 minutes): only day 3's pageview → signup of u1 and u3.
    expression = "concat(event, ':', properties.$browser)"
    node = {
        "kind": "PathsQuery",
        "dateRange": RANGE,
        "pathsFilter": {"includeEventTypes": ["hogql"], "pathsHogQLExpression": expression},
    }
    edges = {(e["source"], e["target"]): e["value"] for e in query(api, data, node)}
    expected = {("1_$pageview:Chrome", "2_signup:Chrome"): 2}
    assert edges == expected
    result = legacy(
        api, data, "path", include_event_types=["hogql"], paths_hogql_expression=expression, **LEGACY_RANGE
    )
    assert {(e["source"], e["target"]): e["value"] for e in result} == expected


def test_retention_breakdown_hogql_matches_the_property_breakdown(api, data):
    node = {
        "kind": "RetentionQuery",
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-03"},
        "retentionFilter": {"period": "Day", "totalIntervals": 3},
    }
    by_property = query(api, data, {**node, "breakdownFilter": {"breakdown": "$browser"}})
    by_hogql = query(
        api,
        data,
        {**node, "breakdownFilter": {"breakdown_type": "hogql", "breakdown": "lower(properties.$browser)"}},
    )

    def cohorts(results, rename):
        return sorted(
            (rename(r["breakdown_value"]), r["date"], [v["count"] for v in r["values"]]) for r in results
        )

    assert cohorts(by_hogql, str) == cohorts(by_property, lambda v: str(v).lower())
    assert {r["breakdown_value"] for r in by_hogql} == {"chrome", "firefox"}
