"""PathsQuery through ``/query/`` on the fixture of test_paths_api (edges by hand there)."""

from __future__ import annotations

import pytest

from tests.test_paths_api import MIN, fixture_events  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.django_db

URL = "/api/projects/{team}/query/"
DATE_RANGE = {"date_from": "2021-05-01", "date_to": "2021-05-01"}


def run(api, team, paths_filter: dict, **extra):
    query = {"kind": "PathsQuery", "dateRange": DATE_RANGE, "pathsFilter": paths_filter, **extra}
    return api.post(URL.format(team=team.id), {"query": query}, format="json")


def edges(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    return [
        (e["source"], e["target"], e["value"], e["average_conversion_time"])
        for e in response.json()["results"]
    ]


def test_grouping_and_event_types(api, team, fixture_events):  # noqa: F811
    result = edges(run(api, team, {"includeEventTypes": ["$pageview"], "pathGroupings": ["/blog/*"]}))
    assert result == [
        ("1_/", "2_/blog/*", 2, 1.5 * MIN),
        ("1_/", "2_/pricing", 1, 2 * MIN),
        ("2_/blog/*", "3_/", 1, 4 * MIN),
    ]


def test_start_point_with_step_limit_and_edge_weights(api, team, fixture_events):  # noqa: F811
    # From "/": p1 [/, /pricing, signup], p2 [/, /blog/*, signup, /], p4 [/, /blog/*, signup];
    # step limit 3 drops p2's 4th item; min weight 2 keeps the two shared edges.
    result = edges(
        run(api, team, {"startPoint": "/", "stepLimit": 3, "pathGroupings": ["/blog/*"], "minEdgeWeight": 2})
    )
    assert result == [("1_/", "2_/blog/*", 2, 1.5 * MIN), ("2_/blog/*", "3_signup", 2, 2 * MIN)]


def test_global_properties_filter_events(api, team, fixture_events):  # noqa: F811
    properties = [
        {"key": "$screen_name", "value": ["Home", "Settings"], "operator": "exact", "type": "event"}
    ]
    assert edges(run(api, team, {}, properties=properties)) == [("1_Home", "2_Settings", 1, 10 * MIN)]


def test_funnel_paths_and_hogql_paths_without_expression_are_refused(api, team, clickhouse):
    response = run(api, team, {"includeEventTypes": ["hogql"]})
    assert response.status_code == 400
    assert response.json()["attr"] == "pathsFilter__pathsHogQLExpression"
    response = run(api, team, {}, funnelPathsFilter={"funnelSource": {"kind": "FunnelsQuery"}})
    assert response.status_code == 400
