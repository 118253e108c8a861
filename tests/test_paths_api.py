"""Paths through HTTP (legacy ``insights/path/``); every edge computed by hand.

Fixture, all on 2021-05-01 (UTC), times hh:mm:
  p1: $pageview /        00:00, /pricing/ 00:01, /pricing 00:02, signup 00:03,
      then (after a 57-minute gap: a new session) /blog/1 01:00, /blog/2 01:05
  p2: $pageview / 00:00, /blog/7 00:02, signup 00:05, $pageview / 00:06
  p4: $pageview / 00:00, /blog/9 00:01, signup 00:02
  p3: $screen Home 00:00, $screen Settings 00:10, $autocapture 00:11
Items: pageviews → URL minus one trailing slash; screens → screen name; else event name.
Repeats collapse to the last of the run (p1's /pricing/ + /pricing = one /pricing at 00:02).
"""

from __future__ import annotations

import json

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db

URL = "/api/projects/{team}/insights/path/"
MIN = 60_000.0  # one minute in ms


def event(person: str, at: str, name: str, **properties) -> dict:
    return {
        "event": name,
        "distinct_id": person,
        "timestamp": f"2021-05-01T{at}:00Z",
        "properties": properties,
    }


def pageview(person: str, at: str, url: str) -> dict:
    return event(person, at, "$pageview", **{"$current_url": url})


@pytest.fixture
def fixture_events(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            pageview("p1", "00:00", "/"),
            pageview("p1", "00:01", "/pricing/"),
            pageview("p1", "00:02", "/pricing"),
            event("p1", "00:03", "signup"),
            pageview("p1", "01:00", "/blog/1"),
            pageview("p1", "01:05", "/blog/2"),
            pageview("p2", "00:00", "/"),
            pageview("p2", "00:02", "/blog/7"),
            event("p2", "00:05", "signup"),
            pageview("p2", "00:06", "/"),
            pageview("p4", "00:00", "/"),
            pageview("p4", "00:01", "/blog/9"),
            event("p4", "00:02", "signup"),
            event("p3", "00:00", "$screen", **{"$screen_name": "Home"}),
            event("p3", "00:10", "$screen", **{"$screen_name": "Settings"}),
            event("p3", "00:11", "$autocapture"),
        ],
    )


def paths(api, team, **filters) -> list[tuple]:
    params = {"date_from": "2021-05-01", "date_to": "2021-05-01"}
    params.update({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in filters.items()})
    response = api.get(URL.format(team=team.id), params)
    assert response.status_code == 200, response.content
    return [
        (e["source"], e["target"], e["value"], e["average_conversion_time"])
        for e in response.json()["result"]
    ]


def test_all_event_types(api, team, fixture_events):
    # All value 1, so sorted by source then target (bytewise: "/" < "H").
    assert paths(api, team) == [
        ("1_/", "2_/blog/7", 1, 2 * MIN),
        ("1_/", "2_/blog/9", 1, 1 * MIN),
        ("1_/", "2_/pricing", 1, 2 * MIN),  # from / at 00:00 to the kept /pricing at 00:02
        ("1_/blog/1", "2_/blog/2", 1, 5 * MIN),  # p1's second session
        ("1_Home", "2_Settings", 1, 10 * MIN),
        ("2_/blog/7", "3_signup", 1, 3 * MIN),
        ("2_/blog/9", "3_signup", 1, 1 * MIN),
        ("2_/pricing", "3_signup", 1, 1 * MIN),
        ("2_Settings", "3_$autocapture", 1, 1 * MIN),
        ("3_signup", "4_/", 1, 1 * MIN),
    ]


def test_pageviews_only_with_wildcard_grouping(api, team, fixture_events):
    result = paths(api, team, include_event_types=["$pageview"], path_groupings=["/blog/*"])
    # p1: [/, /pricing] and [/blog/*] (one item after collapsing); p2: [/, /blog/*, /]; p4: [/, /blog/*].
    # 1_/ → 2_/blog/*: p2 2 min, p4 1 min → 2, mean 1.5 min.
    assert result == [
        ("1_/", "2_/blog/*", 2, 1.5 * MIN),
        ("1_/", "2_/pricing", 1, 2 * MIN),
        ("2_/blog/*", "3_/", 1, 4 * MIN),
    ]


def test_local_cleaning_rules(api, team, fixture_events):
    rules = [{"regex": "/blog/\\d+", "alias": "/blog/<id>"}]
    result = paths(api, team, include_event_types=["$pageview"], local_path_cleaning_filters=rules)
    assert result == [
        ("1_/", "2_/blog/<id>", 2, 1.5 * MIN),
        ("1_/", "2_/pricing", 1, 2 * MIN),
        ("2_/blog/<id>", "3_/", 1, 4 * MIN),
    ]


def test_project_cleaning_rules_apply_with_path_replacements(api, team, fixture_events):
    team.path_cleaning_filters = [{"regex": "^/pricing$", "alias": "/price"}]
    team.save()
    base = {"include_event_types": ["$pageview"], "start_point": "/"}
    # p1 [/, /pricing]; p2 [/, /blog/7, /]; p4 [/, /blog/9]
    assert ("1_/", "2_/pricing", 1, 2 * MIN) in paths(api, team, **base)
    replaced = paths(api, team, path_replacements="true", **base)
    assert ("1_/", "2_/price", 1, 2 * MIN) in replaced
    assert all("pricing" not in edge[1] for edge in replaced)


def test_start_point_strips_a_trailing_slash(api, team, fixture_events):
    # Only p1's first session has /pricing: [/pricing, signup].
    assert paths(api, team, start_point="/pricing/") == [("1_/pricing", "2_signup", 1, 1 * MIN)]


def test_end_point_keeps_the_last_steps(api, team, fixture_events):
    # Up to the first signup, last 2 items: p1 [/pricing, signup], p2 [/blog/7, signup], p4 [/blog/9, signup].
    assert paths(api, team, end_point="signup", step_limit=2) == [
        ("1_/blog/7", "2_signup", 1, 3 * MIN),
        ("1_/blog/9", "2_signup", 1, 1 * MIN),
        ("1_/pricing", "2_signup", 1, 1 * MIN),
    ]


def test_start_and_end_points_elide_the_middle(api, team, fixture_events):
    # / … signup is 3 items for p1, p2, p4 (> step_limit 2): [/, "...", signup], "..." timed at item 2.
    # 1_/ → 2_...: 2, 2, 1 min → mean 100 s ; 2_... → 3_signup: 1, 3, 1 min → mean 100 s.
    assert paths(api, team, start_point="/", end_point="signup", step_limit=2) == [
        ("1_/", "2_...", 3, 100_000.0),
        ("2_...", "3_signup", 3, 100_000.0),
    ]


def test_step_limit(api, team, fixture_events):
    result = paths(api, team, step_limit=2)
    assert ("2_/blog/7", "3_signup", 1, 3 * MIN) not in result
    assert {edge[0][:2] for edge in result} == {"1_"}
    assert len(result) == 5  # the five first-step edges above


def test_weights_limits_and_exclusions(api, team, fixture_events):
    grouped = {"path_groupings": ["/blog/*"]}
    # With grouping: 1_/→2_/blog/* (p2, p4) and 2_/blog/*→3_signup (3 min, 1 min) have value 2.
    assert paths(api, team, min_edge_weight=2, **grouped) == [
        ("1_/", "2_/blog/*", 2, 1.5 * MIN),
        ("2_/blog/*", "3_signup", 2, 2 * MIN),
    ]
    assert len(paths(api, team, max_edge_weight=1, **grouped)) == 5
    assert paths(api, team, edge_limit=3, **grouped) == [
        ("1_/", "2_/blog/*", 2, 1.5 * MIN),
        ("2_/blog/*", "3_signup", 2, 2 * MIN),
        ("1_/", "2_/pricing", 1, 2 * MIN),
    ]
    # Excluding /pricing: p1's first session becomes [/, signup] (00:00 → 00:03).
    excluded = paths(api, team, exclude_events=["/pricing"])
    assert ("1_/", "2_signup", 1, 3 * MIN) in excluded
    assert all("pricing" not in edge[1] for edge in excluded)


def test_custom_events_and_screens(api, team, fixture_events):
    assert paths(api, team, include_event_types=["$screen"]) == [("1_Home", "2_Settings", 1, 10 * MIN)]
    # Custom events only: each person has one signup → no edges.
    assert paths(api, team, include_event_types=["custom_event"]) == []


def test_date_range_excludes_other_days(api, team, fixture_events):
    assert paths(api, team, date_from="2021-05-02", date_to="2021-05-03") == []


def test_bad_input_is_a_400(api, team, clickhouse):
    response = api.get(URL.format(team=team.id), {"include_event_types": json.dumps(["$bogus"])})
    assert response.status_code == 400
    response = api.get(URL.format(team=team.id), {"step_limit": "many"})
    assert response.status_code == 400
    assert response.json()["attr"] == "step_limit"
    rules = json.dumps([{"regex": "([", "alias": "x"}])
    response = api.get(URL.format(team=team.id), {"local_path_cleaning_filters": rules})
    assert response.status_code == 400
    # Valid for Python, not for ClickHouse's RE2 (lookahead): still a 400, not a 500.
    rules = json.dumps([{"regex": "a(?=b)", "alias": "x"}])
    response = api.get(URL.format(team=team.id), {"local_path_cleaning_filters": rules})
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"


def test_paths_of_groups_are_refused_not_answered_as_persons(api, team, fixture_events):
    query = {"kind": "PathsQuery", "aggregation_group_type_index": 0, "pathsFilter": {}}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "aggregation_group_type_index"
    legacy = api.get(URL.format(team=team.id), {"date_from": "2021-05-01", "aggregation_group_type_index": 0})
    assert legacy.status_code == 400 and legacy.json()["attr"] == "aggregation_group_type_index"
