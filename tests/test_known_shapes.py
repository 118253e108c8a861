"""Shapes PostHog answers in its own way, checked through HTTP on a small fixture:
cumulative trends ranked by their cumulative series, multiple breakdowns with a limit and
the 'other' bucket, funnel steps on any event, and where ``date_from: "all"`` starts."""

from __future__ import annotations

import pytest

from query_engine.model import BREAKDOWN_OTHER
from tests.engine_events import store_events

pytestmark = pytest.mark.django_db
RANGE = {"date_from": "2020-01-01", "date_to": "2020-01-04"}
OTHER = BREAKDOWN_OTHER


def _buy(distinct_id: str, day: str, browser: str, os: str) -> dict:
    return {
        "event": "buy",
        "distinct_id": distinct_id,
        "timestamp": f"2020-01-{day}T10:00:00Z",
        "properties": {"$browser": browser, "$os": os},
    }


@pytest.fixture
def events(api, team, clickhouse):
    # buy: u1 (Chrome, Mac) on the 1st, 2nd and 3rd; u4 (Firefox, Linux) on the 2nd;
    # u2 and u3 (Safari, iOS) on the 4th. "early": u9 on 2019-12-20, before any buy.
    store_events(
        api,
        team,
        [
            _buy("u1", "01", "Chrome", "Mac"),
            _buy("u1", "02", "Chrome", "Mac"),
            _buy("u1", "03", "Chrome", "Mac"),
            _buy("u4", "02", "Firefox", "Linux"),
            _buy("u2", "04", "Safari", "iOS"),
            _buy("u3", "04", "Safari", "iOS"),
            {"event": "early", "distinct_id": "u9", "timestamp": "2019-12-20T10:00:00Z", "properties": {}},
        ],
    )
    return team


def _query(api, team, node: dict) -> dict:
    response = api.post(f"/api/projects/{team.id}/query/", {"query": node}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _trends(**fields) -> dict:
    return {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "buy"}],
        "dateRange": RANGE,
        **fields,
    }


def test_cumulative_dau_breakdown_ranks_by_the_cumulative_series(api, events, team):
    node = _trends(
        series=[{"kind": "EventsNode", "event": "buy", "math": "dau"}],
        trendsFilter={"display": "ActionsLineGraphCumulative"},
        breakdownFilter={"breakdown": "$browser", "breakdown_limit": 1},
    )
    # First day each user is seen per browser: Chrome [1,0,0,0] (u1), Firefox [0,1,0,0] (u4),
    # Safari [0,0,0,2] (u2, u3). Cumulative: Chrome [1,1,1,1] (sum 4), Firefox [0,1,1,1]
    # (sum 3), Safari [0,0,0,2] (sum 2). PostHog ranks the cumulative series, so Chrome is
    # kept (daily totals would have kept Safari: 2 > 1) and 'other' is Firefox + Safari.
    body = _query(api, team, node)
    shown = [(r["breakdown_value"], r["data"], r["count"]) for r in body["results"]]
    assert shown == [("Chrome", [1, 1, 1, 1], 1.0), (OTHER, [0, 1, 1, 3], 3.0)]
    assert body["hasMore"] is True
    two = _query(api, team, {**node, "breakdownFilter": {"breakdown": "$browser", "breakdown_limit": 2}})
    assert [(r["breakdown_value"], r["data"]) for r in two["results"]] == [
        ("Chrome", [1, 1, 1, 1]),
        ("Firefox", [0, 1, 1, 1]),
        (OTHER, [0, 0, 0, 2]),
    ]


def test_multiple_breakdowns_with_a_limit_and_the_other_bucket(api, events, team):
    node = _trends(
        series=[
            {"kind": "EventsNode", "event": "buy"},
            {"kind": "EventsNode", "event": "buy", "math": "dau"},
        ],
        breakdownFilter={
            "breakdowns": [{"property": "$browser", "type": "event"}, {"property": "$os", "type": "event"}],
            "breakdown_limit": 1,
        },
    )
    # Each series on its own: (Chrome, Mac) [1,1,1,0] (sum 3) beats (Safari, iOS) [0,0,0,2]
    # and (Firefox, Linux) [0,1,0,0]; the two others merge into [0,1,0,2]. Two series, so
    # labels are "<series> - <browser>::<os>".
    body = _query(api, team, node)
    shown = [(r["label"], r["breakdown_value"], r["data"]) for r in body["results"]]
    assert shown == [
        ("buy - Chrome::Mac", ["Chrome", "Mac"], [1, 1, 1, 0]),
        (f"buy - {OTHER}::{OTHER}", [OTHER, OTHER], [0, 1, 0, 2]),
        ("buy - Chrome::Mac", ["Chrome", "Mac"], [1, 1, 1, 0]),
        (f"buy - {OTHER}::{OTHER}", [OTHER, OTHER], [0, 1, 0, 2]),
    ]
    assert [r["order"] for r in body["results"]] == [0, 0, 1, 1]
    assert body["hasMore"] is True


def test_funnel_step_on_any_event_keeps_name_null(api, events, team):
    node = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": None}, {"kind": "EventsNode", "event": "buy"}],
        "dateRange": RANGE,
    }
    # Step 1 (any event in range): u1, u2, u3, u4. Step 2 (a buy after that event): only u1,
    # whose later buys follow its first one; the others have a single event, used by step 1.
    steps = _query(api, team, node)["results"]
    assert [s["count"] for s in steps] == [4, 1]
    assert steps[0]["name"] is None and steps[0]["custom_name"] is None
    assert steps[1]["name"] == "buy"


def test_date_from_all_starts_at_the_series_own_earliest_event(api, events, team):
    to = {"date_from": "all", "date_to": "2020-01-04"}
    # buy's earliest event is on 2020-01-01 (the project's earliest, "early", is 2019-12-20).
    buys = _query(api, team, _trends(dateRange=to))["results"][0]
    assert buys["days"] == ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]
    assert buys["data"] == [1, 2, 1, 2]
    # A series on every event starts at the project's earliest event.
    anything = _query(api, team, _trends(series=[{"kind": "EventsNode", "event": None}], dateRange=to))
    assert anything["results"][0]["days"][0] == "2019-12-20"
    # With several series: the earliest of them.
    both = _trends(
        series=[{"kind": "EventsNode", "event": "buy"}, {"kind": "EventsNode", "event": "early"}],
        dateRange=to,
    )
    assert _query(api, team, both)["results"][0]["days"][0] == "2019-12-20"


def test_bold_number_with_a_date_to_keeps_the_whole_last_day(api, events, team):
    node = _trends(
        dateRange={"date_from": "2020-01-02", "date_to": "2020-01-04"}, trendsFilter={"display": "BoldNumber"}
    )
    # buys from 2020-01-02 00:00 to 2020-01-04 23:59:59: u1 and u4 on the 2nd, u1 on the 3rd,
    # u2 and u3 on the 4th at 10:00 (cut at midnight the 4th would be lost: 3).
    plain = _query(api, team, node)["results"]
    assert [r["aggregated_value"] for r in plain] == [5]
    # compare_to -2d: the previous period is 2019-12-31 .. 2020-01-02 23:59:59: u1 on the 1st,
    # u1 and u4 on the 2nd.
    compared = _query(api, team, {**node, "compareFilter": {"compare": True, "compare_to": "-2d"}})["results"]
    assert [(r["compare_label"], r["aggregated_value"]) for r in compared] == [
        ("current", 5),
        ("previous", 3),
    ]
