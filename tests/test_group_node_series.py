"""``GroupNode`` series in trends (several events or actions counted as one series, OR or
AND), series ``fixedProperties``, and the refusals, through ``/query/``. Numbers are counted
by hand from ``events``."""

from __future__ import annotations

import pytest

from tests.capture import capture_events
from tests.funnels_helpers import ev
from tests.query_api import post_query

pytestmark = pytest.mark.django_db
RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-03"}
CHROME = {"key": "$browser", "value": "Chrome", "operator": "exact", "type": "event"}
FIREFOX = {"key": "$browser", "value": "Firefox", "operator": "exact", "type": "event"}


@pytest.fixture
def events(api, team, clickhouse):
    # 01-01: a $pageview (Chrome), a signup, b $pageview (Firefox)
    # 01-02: a $pageview (Firefox), b purchase
    # 01-03: c signup
    capture_events(
        api,
        team,
        [
            ev("a", "$pageview", "10:00:00", **{"$browser": "Chrome"}),
            ev("a", "signup", "10:05:00"),
            ev("b", "$pageview", "11:00:00", **{"$browser": "Firefox"}),
            ev("a", "$pageview", "10:00:00", day=2, **{"$browser": "Firefox"}),
            ev("b", "purchase", "12:00:00", day=2),
            ev("c", "signup", "09:00:00", day=3),
        ],
    )
    return team


def _group(nodes, operator="OR", **fields):
    return {"kind": "GroupNode", "operator": operator, "nodes": nodes, **fields}


def _trend(api, team, *series, status=200, **fields):
    node = {"kind": "TrendsQuery", "series": list(series), "dateRange": RANGE, "interval": "day", **fields}
    response = post_query(api, team, node)
    assert response.status_code == status, response.json()
    return response.json()


def test_or_group_counts_events_matching_any_node(api, events):
    chrome_views_or_signups = _group(
        [
            {"kind": "EventsNode", "event": "$pageview", "properties": [CHROME]},
            {"kind": "EventsNode", "event": "signup"},
        ]
    )
    (total,) = _trend(api, events, chrome_views_or_signups)["results"]
    # 01-01: a's Chrome view and a's signup (b's view is Firefox); 01-03: c's signup.
    assert total["data"] == [2, 0, 1] and total["count"] == 3
    assert total["label"] == "$pageview, signup" and total["action"]["name"] == "$pageview, signup"
    (dau,) = _trend(api, events, {**chrome_views_or_signups, "math": "dau", "name": "Active"})["results"]
    assert dau["data"] == [1, 0, 1] and dau["label"] == "Active"
    # The group's own filters apply to the combined events: only a's Chrome view has a browser.
    (filtered,) = _trend(api, events, {**chrome_views_or_signups, "properties": [CHROME]})["results"]
    assert filtered["data"] == [1, 0, 0]


def test_and_group_and_actions_as_nodes(api, team, events):
    # AND: a $pageview that is also a Firefox event (the second node is any event in Firefox).
    firefox_views = _group(
        [
            {"kind": "EventsNode", "event": "$pageview"},
            {"kind": "EventsNode", "event": None, "properties": [FIREFOX]},
        ],
        operator="AND",
    )
    assert _trend(api, events, firefox_views)["results"][0]["data"] == [1, 1, 0]
    purchase = api.post(
        f"/api/projects/{team.id}/actions/",
        {"name": "Bought", "steps": [{"event": "purchase"}]},
        format="json",
    ).json()["id"]
    bought_or_signed_up = _group(
        [{"kind": "ActionsNode", "id": purchase}, {"kind": "EventsNode", "event": "signup"}]
    )
    (result,) = _trend(api, events, bought_or_signed_up)["results"]
    assert result["data"] == [1, 1, 1] and result["label"] == "Bought, signup"
    # A deleted action inside a group is refused by its path, never counted as nothing.
    api.patch(f"/api/projects/{team.id}/actions/{purchase}/", {"deleted": True}, format="json")
    refused = _trend(api, events, bought_or_signed_up, status=400)
    assert refused["attr"] == "series__0__nodes__0__id"


def test_group_with_a_breakdown(api, events):
    views_or_signups = _group(
        [{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "signup"}]
    )
    results = _trend(
        api, events, views_or_signups, breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"}
    )["results"]
    by_value = {r["breakdown_value"]: r["data"] for r in results}
    # Chrome: a's view (01-01); Firefox: b (01-01) and a (01-02); no browser: the two signups.
    assert by_value == {"Chrome": [1, 0, 0], "Firefox": [1, 1, 0], "$$_posthog_breakdown_null_$$": [1, 0, 1]}


def test_series_fixed_properties_apply(api, events):
    views = {"kind": "EventsNode", "event": "$pageview", "fixedProperties": [FIREFOX]}
    assert _trend(api, events, views)["results"][0]["data"] == [1, 1, 0]
    both = {**views, "properties": [CHROME]}
    assert _trend(api, events, both)["results"][0]["data"] == [0, 0, 0]


@pytest.mark.parametrize(
    ("series", "attr"),
    [
        (_group([{"kind": "EventsNode", "event": "a"}], operator="XOR"), "series__0__operator"),
        (_group([]), "series__0__nodes"),
        (_group([{"kind": "EventsNode", "event": "a"}], bogus=1), "series__0__bogus"),
        (_group([{"kind": "EventsNode", "event": "a", "bogus": 1}]), "series__0__nodes__0__bogus"),
        (_group([_group([{"kind": "EventsNode", "event": "a"}])]), "series__0__nodes__0__kind"),
        (_group([{"kind": "EventsNode", "event": "a", "math": "dau"}]), "series__0__nodes__0__math"),
    ],
)
def test_refusals(api, team, clickhouse, series, attr):
    assert _trend(api, team, series, status=400)["attr"] == attr


def test_group_nodes_only_in_trends(api, team, clickhouse):
    group = _group([{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}])
    for kind, extra in (
        ("FunnelsQuery", [{"kind": "EventsNode", "event": "c"}]),
        ("StickinessQuery", []),
        ("LifecycleQuery", []),
    ):
        response = post_query(api, team, {"kind": kind, "series": [group, *extra], "dateRange": RANGE})
        assert response.status_code == 400, (kind, response.json())
        assert response.json()["attr"] == "series__0__kind", kind


def test_a_saved_insight_with_a_group_series_computes(api, team, events):
    series = _group(
        [
            {"kind": "EventsNode", "event": "$pageview", "properties": [CHROME]},
            {"kind": "EventsNode", "event": "signup"},
        ]
    )
    query = {
        "kind": "InsightVizNode",
        "source": {"kind": "TrendsQuery", "series": [series], "dateRange": RANGE},
    }
    created = api.post(
        f"/api/projects/{team.id}/insights/", {"name": "Combined", "query": query}, format="json"
    )
    assert created.status_code == 201, created.json()
    computed = api.get(
        f"/api/projects/{team.id}/insights/{created.json()['id']}/", {"refresh": "blocking"}
    ).json()
    assert computed["result"][0]["data"] == [2, 0, 1]


def test_actors_and_formula_of_a_group_series(api, events):
    group = _group(
        [
            {"kind": "EventsNode", "event": "$pageview", "properties": [CHROME]},
            {"kind": "EventsNode", "event": "signup"},
        ]
    )
    trend = {"kind": "TrendsQuery", "series": [group], "dateRange": RANGE, "interval": "day"}

    def people(day):
        source = {"kind": "InsightActorsQuery", "source": trend, "day": day, "series": 0}
        response = post_query(api, events, {"kind": "ActorsQuery", "source": source})
        assert response.status_code == 200, response.json()
        return sorted(d for row in response.json()["results"] for d in row[0]["distinct_ids"])

    # 01-01: a (Chrome view, signup); b's view is Firefox. 01-02: nobody. 01-03: c's signup.
    assert (people("2024-01-01"), people("2024-01-02"), people("2024-01-03")) == (["a"], [], ["c"])
    views = {"kind": "EventsNode", "event": "$pageview"}
    formula = {"formulaNodes": [{"formula": "A+B"}]}
    (total,) = _trend(api, events, group, views, trendsFilter=formula)["results"]
    # A = [2, 0, 1], B (every view) = [2, 1, 0].
    assert total["data"] == [4, 1, 1]


def test_cached_results_follow_the_nodes(api, team, events):
    def group(browser):
        return _group(
            [
                {"kind": "EventsNode", "event": "$pageview", "properties": [browser]},
                {"kind": "EventsNode", "event": "signup"},
            ]
        )

    first = _trend(api, events, group(CHROME))
    assert _trend(api, events, group(CHROME))["is_cached"] is True
    # Only a node's filter differs: its own answer, not the cached one.
    # Firefox views: b (01-01), a (01-02); signups: a (01-01), c (01-03).
    second = _trend(api, events, group(FIREFOX))
    assert first["results"][0]["data"] == [2, 0, 1] and second["results"][0]["data"] == [2, 1, 1]
    action = api.post(
        f"/api/projects/{team.id}/actions/",
        {"name": "Bought", "steps": [{"event": "purchase"}]},
        format="json",
    ).json()["id"]
    nested = _group([{"kind": "ActionsNode", "id": action}, {"kind": "EventsNode", "event": "signup"}])
    assert _trend(api, events, nested)["results"][0]["data"] == [1, 1, 1]
    # Editing an action named only inside a group is a new answer: every view or signup now.
    api.patch(
        f"/api/projects/{team.id}/actions/{action}/", {"steps": [{"event": "$pageview"}]}, format="json"
    )
    assert _trend(api, events, nested)["results"][0]["data"] == [3, 1, 1]


@pytest.mark.parametrize("entity", ["targetEntity", "returningEntity"])
def test_retention_refuses_a_group_entity(api, team, clickhouse, entity):
    group = _group([{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}])
    query = {"kind": "RetentionQuery", "retentionFilter": {entity: group}, "dateRange": RANGE}
    response = post_query(api, team, query)
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == f"retentionFilter__{entity}__kind"
