"""Funnel exclusions and breakdowns through ``/query/`` (engine.md §3.2 exclusions, §3.5).

All events on 2024-01-01 UTC; window 1 hour; funnel signup → activate → pay.
"""

from __future__ import annotations

import pytest

from tests.capture import capture_events
from tests.funnels_helpers import counts, ev, funnel, funnel_query, run_query


def exclusion(event: str, start: int, end: int) -> dict:
    return {"kind": "FunnelExclusionEventsNode", "event": event, "funnelFromStep": start, "funnelToStep": end}


@pytest.fixture
def excluded_fixture(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # a: cancel between signup and activate
            ev("a", "signup", "10:00:00"),
            ev("a", "cancel", "10:05:00"),
            ev("a", "activate", "10:10:00"),
            ev("a", "pay", "10:20:00"),
            # b: cancel between activate and pay
            ev("b", "signup", "10:00:00"),
            ev("b", "activate", "10:10:00"),
            ev("b", "cancel", "10:15:00"),
            ev("b", "pay", "10:20:00"),
            # c: clean
            ev("c", "signup", "10:00:00"),
            ev("c", "activate", "10:10:00"),
            ev("c", "pay", "10:20:00"),
            # d: cancel before the funnel starts, then a clean run
            ev("d", "cancel", "09:00:00"),
            ev("d", "signup", "10:00:00"),
            ev("d", "activate", "10:10:00"),
        ],
    )


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 0→1: a leaves the funnel entirely; b, c, d count
        (0, 1, [3, 3, 2]),
        # 1→2: b leaves; a, c, d count (d never paid)
        (1, 2, [3, 3, 2]),
        # 0→2: a and b leave
        (0, 2, [2, 2, 1]),
    ],
)
def test_exclusion_removes_actor_from_whole_funnel(api, team, excluded_fixture, start, end, expected):
    result = funnel(api, team, funnelsFilter={"exclusions": [exclusion("cancel", start, end)]})
    assert counts(result) == expected


def test_later_clean_attempt_replaces_excluded_one(api, team, clickhouse):
    # signup, cancel (excludes that attempt), then a fresh signup → activate 2 h later
    capture_events(
        api,
        team,
        [
            ev("p", "signup", "10:00:00"),
            ev("p", "cancel", "10:05:00"),
            ev("p", "signup", "12:00:00"),
            ev("p", "activate", "12:30:00"),
        ],
    )
    result = funnel(api, team, funnelsFilter={"exclusions": [exclusion("cancel", 0, 1)]})
    assert counts(result) == [1, 1, 0]
    assert result[1]["average_conversion_time"] == 1800.0


@pytest.mark.parametrize(
    ("filters", "message_attr"),
    [
        ({"exclusions": [exclusion("cancel", 1, 1)]}, "funnelsFilter__exclusions__0"),
        ({"exclusions": [exclusion("cancel", 2, 3)]}, "funnelsFilter__exclusions__0"),
        ({"exclusions": [exclusion("activate", 0, 2)]}, "funnelsFilter__exclusions__0"),
        (
            {"funnelOrderType": "unordered", "exclusions": [exclusion("cancel", 0, 1)]},
            "funnelsFilter__exclusions",
        ),
        ({"funnelOrderType": "sideways"}, "funnelsFilter__funnelOrderType"),
        ({"funnelWindowIntervalUnit": "fortnight"}, "funnelsFilter__unit"),
    ],
)
def test_invalid_funnels_are_400(api, team, clickhouse, filters, message_attr):
    body = run_query(api, team, funnel_query(funnelsFilter=filters), status=400)
    assert body["type"] == "validation_error"
    assert body["attr"] == message_attr


def test_single_step_is_400(api, team, clickhouse):
    body = run_query(api, team, funnel_query(steps=["signup"]), status=400)
    assert body["attr"] == "series"


@pytest.fixture
def browsers(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # a: signup on Chrome, activate on Firefox, pay on Firefox
            ev("a", "signup", "10:00:00", **{"$browser": "Chrome"}),
            ev("a", "activate", "10:10:00", **{"$browser": "Firefox"}),
            ev("a", "pay", "10:20:00", **{"$browser": "Firefox"}),
            # b: Chrome throughout, stops after activate
            ev("b", "signup", "10:00:00", **{"$browser": "Chrome"}),
            ev("b", "activate", "10:10:00", **{"$browser": "Chrome"}),
            # c: Safari, signup only
            ev("c", "signup", "10:00:00", **{"$browser": "Safari"}),
            # d: no browser at all, signup only
            ev("d", "signup", "10:00:00"),
        ],
    )


def by_value(result) -> dict:
    return {tuple(steps[0]["breakdown_value"]): counts(steps) for steps in result}


@pytest.mark.parametrize(
    ("attribution", "expected"),
    [
        # first touch: a→Chrome (signup), b→Chrome, c→Safari, d→""
        ({}, {("Chrome",): [2, 2, 1], ("Safari",): [1, 0, 0], ("",): [1, 0, 0]}),
        # last touch: a→Firefox (pay), b→Chrome
        (
            {"breakdownAttributionType": "last_touch"},
            {("Firefox",): [1, 1, 1], ("Chrome",): [1, 1, 0], ("Safari",): [1, 0, 0], ("",): [1, 0, 0]},
        ),
        # step 1 (activate): a→Firefox, b→Chrome; c and d never did step 1 → not counted
        (
            {"breakdownAttributionType": "step", "breakdownAttributionValue": 1},
            {("Firefox",): [1, 1, 1], ("Chrome",): [1, 1, 0]},
        ),
        # all events: a under Chrome has only signup; under Firefox only activate+pay (no signup) → nothing
        (
            {"breakdownAttributionType": "all_events"},
            {("Chrome",): [2, 1, 0], ("Safari",): [1, 0, 0], ("",): [1, 0, 0]},
        ),
    ],
)
def test_breakdown_attribution(api, team, browsers, attribution, expected):
    result = funnel(
        api,
        team,
        breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"},
        funnelsFilter=attribution,
    )
    assert by_value(result) == expected
    first = result[0]
    assert all(step["breakdown"] == step["breakdown_value"] for step in first)


def test_breakdown_order_and_other(api, team, browsers):
    # first touch: Chrome [2,2,1] first (deepest), then Safari and "" with [1,0,0]; limit 1 merges the rest
    result = funnel(api, team, breakdownFilter={"breakdown": "$browser", "breakdown_limit": 1})
    assert [steps[0]["breakdown_value"] for steps in result] == [["Chrome"], ["Other"]]
    assert by_value(result) == {("Chrome",): [2, 2, 1], ("Other",): [2, 0, 0]}


def test_breakdown_conversion_times_per_value(api, team, browsers):
    # Chrome: a and b activate after 600 s each; a pays 600 s after activate
    result = funnel(api, team, breakdownFilter={"breakdown": "$browser"})
    chrome = next(steps for steps in result if steps[0]["breakdown_value"] == ["Chrome"])
    assert [s["average_conversion_time"] for s in chrome] == [None, 600.0, 600.0]


def test_person_property_breakdown_and_filter(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            ev("a", "signup", "10:00:00", **{"$set": {"plan": "pro"}}),
            ev("a", "activate", "10:10:00"),
            ev("b", "signup", "10:00:00", **{"$set": {"plan": "free"}}),
            ev("c", "signup", "10:00:00", **{"$set": {"plan": "free"}}),
            ev("c", "activate", "10:30:00"),
        ],
    )
    result = funnel(api, team, breakdownFilter={"breakdown": "plan", "breakdown_type": "person"})
    assert by_value(result) == {("free",): [2, 1, 0], ("pro",): [1, 1, 0]}
    only_free = funnel(api, team, properties=[{"key": "plan", "value": "free", "type": "person"}])
    assert counts(only_free) == [2, 1, 0]


def test_step_properties(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            ev("a", "signup", "10:00:00", source="ads"),
            ev("a", "activate", "10:10:00"),
            ev("b", "signup", "10:00:00", source="blog"),
            ev("b", "activate", "10:10:00"),
        ],
    )
    steps = [
        {"kind": "EventsNode", "event": "signup", "properties": [{"key": "source", "value": "ads"}]},
        {"kind": "EventsNode", "event": "activate"},
    ]
    assert counts(funnel(api, team, steps=steps)) == [1, 1]


def test_group_aggregation(api, team, clickhouse):
    # two people of company x convert; one of company y signs up only → groups: x [1,1], y [1,0]
    capture_events(
        api,
        team,
        [
            ev("a", "signup", "10:00:00", **{"$group_0": "x"}),
            ev("b", "activate", "10:10:00", **{"$group_0": "x"}),
            ev("c", "signup", "10:00:00", **{"$group_0": "y"}),
            ev("d", "signup", "10:00:00"),
        ],
    )
    result = funnel(api, team, steps=["signup", "activate"], aggregation_group_type_index=0)
    assert counts(result) == [2, 1]


def test_invalid_aggregation_by_hogql_is_400(api, team, clickhouse):
    # HogQL aggregation itself is tested in test_hogql_insights.py; a bad expression is refused.
    body = run_query(
        api,
        team,
        funnel_query(funnelsFilter={"funnelAggregateByHogQL": "properties.$session_id + nope"}),
        status=400,
    )
    assert body["attr"] == "funnelsFilter__funnelAggregateByHogQL"
    assert body["detail"] == "Unable to resolve field: nope"
