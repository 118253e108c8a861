"""Funnel steps per order type through ``/query/``, with the classic traps (engine.md §3.2, §10.11).

Every fixture is on 2024-01-01 UTC; the conversion window is 1 hour unless stated.
"""

from __future__ import annotations

import pytest

from tests.capture import capture_events
from tests.funnels_helpers import STEPS, counts, ev, funnel


def test_ordered_counts_and_conversion_times(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # a: all three steps; 10 min then 20 min
            ev("a", "signup", "10:00:00"),
            ev("a", "activate", "10:10:00"),
            ev("a", "pay", "10:30:00"),
            # b: two steps, 30 min
            ev("b", "signup", "11:00:00"),
            ev("b", "activate", "11:30:00"),
            # c: signup only
            ev("c", "signup", "12:00:00"),
        ],
    )
    result = funnel(api, team)
    assert counts(result) == [3, 2, 1]
    assert [s["name"] for s in result] == STEPS
    assert [s["action_id"] for s in result] == STEPS
    assert [s["order"] for s in result] == [0, 1, 2]
    assert result[0]["average_conversion_time"] is None and result[0]["median_conversion_time"] is None
    # activate: a 600 s, b 1800 s → mean 1200, median 1200
    assert result[1]["average_conversion_time"] == 1200.0
    assert result[1]["median_conversion_time"] == 1200.0
    # pay: a only, 1200 s
    assert result[2]["average_conversion_time"] == 1200.0
    assert all(s["type"] == "events" and s["people"] == [] for s in result)


TRAPS = [
    # repeated step 1: the later signup restarts the attempt → 1 step, time 10:20-10:05 = 900 s
    (
        "repeated",
        [("signup", "10:00:00"), ("signup", "10:05:00"), ("activate", "10:20:00")],
        [1, 1, 0],
        900.0,
    ),
    # same timestamp: a later step may share the previous step's timestamp; 0 s stays out of the average
    ("same_ts", [("signup", "10:00:00"), ("activate", "10:00:00")], [1, 1, 0], None),
    # steps out of order: activate before signup does not count
    (
        "out_of_order",
        [("activate", "10:00:00"), ("signup", "10:10:00"), ("pay", "10:20:00")],
        [1, 0, 0],
        None,
    ),
    # exactly at the window edge (1 h from step 1) still converts
    ("edge", [("signup", "10:00:00"), ("activate", "11:00:00")], [1, 1, 0], 3600.0),
    # one second past the window does not
    ("past_edge", [("signup", "10:00:00"), ("activate", "11:00:01")], [1, 0, 0], None),
    # the window is measured from step 1, not from the previous step: pay at 11:00:30 is 1h30s after signup
    (
        "from_first",
        [("signup", "10:00:00"), ("activate", "10:59:00"), ("pay", "11:00:30")],
        [1, 1, 0],
        3540.0,
    ),
]


@pytest.mark.parametrize(("name", "events", "expected", "activate_time"), TRAPS, ids=[t[0] for t in TRAPS])
def test_ordered_traps(api, team, clickhouse, name, events, expected, activate_time):
    capture_events(api, team, [ev("p", event, at) for event, at in events])
    result = funnel(api, team)
    assert counts(result) == expected
    assert result[1]["average_conversion_time"] == activate_time


def test_identical_steps_need_two_events(api, team, clickhouse):
    # p1: one pageview → step 1 only; p2: two pageviews 5 min apart → both steps
    capture_events(
        api,
        team,
        [
            ev("p1", "$pageview", "10:00:00"),
            ev("p2", "$pageview", "10:00:00"),
            ev("p2", "$pageview", "10:05:00"),
        ],
    )
    result = funnel(api, team, steps=["$pageview", "$pageview"])
    assert counts(result) == [2, 1]
    assert result[1]["average_conversion_time"] == 300.0


ORDER_CASES = [
    # (events of one person, ordered, strict, unordered)
    # another event between steps: strict breaks, ordered does not
    (
        [("signup", "10:00:00"), ("other", "10:01:00"), ("activate", "10:02:00")],
        [1, 1, 0],
        [1, 0, 0],
        [1, 1, 0],
    ),
    # consecutive: all agree
    (
        [("signup", "10:00:00"), ("activate", "10:01:00"), ("pay", "10:02:00")],
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
    ),
    # reversed order: only unordered completes all three
    (
        [("pay", "10:00:00"), ("activate", "10:01:00"), ("signup", "10:02:00")],
        [1, 0, 0],
        [1, 0, 0],
        [1, 1, 1],
    ),
    # unordered still needs everything inside one window: pay is 2 h after the others
    (
        [("activate", "10:00:00"), ("signup", "10:01:00"), ("pay", "12:30:00")],
        [1, 0, 0],
        [1, 0, 0],
        [1, 1, 0],
    ),
]


@pytest.mark.parametrize(("events", "ordered", "strict", "unordered"), ORDER_CASES)
def test_order_types(api, team, clickhouse, events, ordered, strict, unordered):
    capture_events(api, team, [ev("p", event, at) for event, at in events])
    for order, expected in (("ordered", ordered), ("strict", strict), ("unordered", unordered)):
        result = funnel(api, team, funnelsFilter={"funnelOrderType": order})
        assert counts(result) == expected, order


def test_unordered_step_names_and_times(api, team, clickhouse):
    # pay 10:00, signup 10:10, activate 10:40 → sorted first times 10:00, 10:10, 10:40 → 600 s, 1800 s
    capture_events(
        api,
        team,
        [ev("p", "pay", "10:00:00"), ev("p", "signup", "10:10:00"), ev("p", "activate", "10:40:00")],
    )
    result = funnel(api, team, funnelsFilter={"funnelOrderType": "unordered"})
    assert [s["name"] for s in result] == ["Completed 1 step", "Completed 2 steps", "Completed 3 steps"]
    assert all(s["action_id"] is None for s in result)
    assert [s["average_conversion_time"] for s in result] == [None, 600.0, 1800.0]


def test_window_units_and_default(api, team, clickhouse):
    # signup Jan 1 10:00, activate Jan 3 10:00 (2 days later)
    capture_events(api, team, [ev("p", "signup", "10:00:00"), ev("p", "activate", "10:00:00", day=3)])
    assert counts(
        funnel(api, team, funnelsFilter={"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"})
    ) == [1, 0, 0]
    assert counts(
        funnel(api, team, funnelsFilter={"funnelWindowInterval": 2, "funnelWindowIntervalUnit": "day"})
    ) == [1, 1, 0]
    assert counts(
        funnel(api, team, funnelsFilter={"funnelWindowInterval": 47, "funnelWindowIntervalUnit": "hour"})
    ) == [1, 0, 0]
    # default window: 14 days
    body_default = {"funnelWindowInterval": None, "funnelWindowIntervalUnit": None}
    assert counts(funnel(api, team, funnelsFilter=body_default)) == [1, 1, 0]


def test_empty_funnel_is_empty_list(api, team, clickhouse):
    capture_events(api, team, [ev("p", "other", "10:00:00")])
    assert funnel(api, team) == []


def test_date_range_bounds_every_step(api, team, clickhouse):
    # activate falls on Jan 8, after date_to (Jan 7 end of day) → not counted
    capture_events(api, team, [ev("p", "signup", "23:30:00", day=7), ev("p", "activate", "00:10:00", day=8)])
    assert counts(
        funnel(api, team, funnelsFilter={"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"})
    ) == [1, 0, 0]
