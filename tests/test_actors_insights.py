"""ActorsQuery behind stickiness, lifecycle and funnel data points, on the fixture of
tests/test_actors_trends.py (p1: $pageview Jan 9 ×2, 11 + signup 11; p2: $pageview 9, 12;
p3: $pageview 12 ×3; p4: $pageview 15; p5: signup 12)."""

from __future__ import annotations

import pytest

from tests.test_actors_trends import PAGEVIEW, RANGE, emails, people, post  # noqa: F401 (fixture)


@pytest.fixture
def fixture_team(people):  # noqa: F811 (the imported fixture)
    return people


def actors(api, team, source, code=200, **fields):
    return post(api, team, {"kind": "ActorsQuery", "source": source, "select": ["person"], **fields}, code)


def insight_actors(api, team, query, code=200, **selector):
    return actors(api, team, {"kind": "InsightActorsQuery", "source": query, **selector}, code)


STICKINESS = {"kind": "StickinessQuery", "series": [PAGEVIEW], "dateRange": RANGE}


@pytest.mark.parametrize("computed_as", ["non_cumulative", "cumulative"])
def test_stickiness_bars(api, fixture_team, computed_as):
    query = {**STICKINESS, "stickinessFilter": {"computedAs": computed_as}}
    (entry,) = post(api, fixture_team, query)["results"]
    for k, value in zip(entry["days"], entry["data"], strict=True):
        assert len(insight_actors(api, fixture_team, query, day=k)["results"]) == value
    # Active on two days: p1 (9, 11) and p2 (9, 12); on one: p3 (12), p4 (15).
    one = emails(insight_actors(api, fixture_team, query, day=1))
    two = emails(insight_actors(api, fixture_team, query, day=2))
    assert two == ["p1@x.io", "p2@x.io"]
    if computed_as == "cumulative":
        assert one == ["p1@x.io", "p2@x.io", "p3@x.io", "p4@x.io"]
    else:
        assert one == ["p3@x.io", "p4@x.io"]
    assert insight_actors(api, fixture_team, query, code=400, day=10)["attr"] == "source__day"


LIFECYCLE = {"kind": "LifecycleQuery", "series": [PAGEVIEW], "dateRange": RANGE}


def test_lifecycle_every_status_and_day(api, fixture_team):
    results = post(api, fixture_team, LIFECYCLE)["results"]
    checked = 0
    for entry in results:
        for day, value in zip(entry["days"], entry["data"], strict=True):
            found = insight_actors(api, fixture_team, LIFECYCLE, day=day, status=entry["status"])
            assert len(found["results"]) == abs(value), (entry["status"], day)
            checked += 1
    assert checked == 4 * 9
    dormant = insight_actors(api, fixture_team, LIFECYCLE, day="2020-01-13", status="dormant")
    assert emails(dormant) == ["p2@x.io", "p3@x.io"]
    resurrecting = insight_actors(api, fixture_team, LIFECYCLE, day="2020-01-12", status="resurrecting")
    assert emails(resurrecting) == ["p2@x.io"]
    assert emails(insight_actors(api, fixture_team, LIFECYCLE, day="2020-01-12", status="new")) == ["p3@x.io"]
    refused = insight_actors(api, fixture_team, LIFECYCLE, code=400, day="2020-01-12", status="gone")
    assert refused["attr"] == "source__status"


FUNNEL = {
    "kind": "FunnelsQuery",
    "series": [PAGEVIEW, {"kind": "EventsNode", "event": "signup"}],
    "dateRange": RANGE,
}


def funnel_actors(api, team, query, code=200, **selector):
    return actors(api, team, {"kind": "FunnelsActorsQuery", "source": query, **selector}, code)


def test_funnel_reached_and_dropped(api, fixture_team):
    steps = post(api, fixture_team, FUNNEL)["results"]
    assert [s["count"] for s in steps] == [4, 1]
    assert emails(funnel_actors(api, fixture_team, FUNNEL, funnelStep=1)) == [
        f"p{i}@x.io" for i in (1, 2, 3, 4)
    ]
    assert emails(funnel_actors(api, fixture_team, FUNNEL, funnelStep=2)) == ["p1@x.io"]
    assert emails(funnel_actors(api, fixture_team, FUNNEL, funnelStep=-2)) == [
        "p2@x.io",
        "p3@x.io",
        "p4@x.io",
    ]
    for bad in (0, 3, -1, -3, "2"):
        refused = funnel_actors(api, fixture_team, FUNNEL, code=400, funnelStep=bad)
        assert refused["attr"] == "source__funnelStep"


def test_funnel_every_step_of_every_breakdown(api, fixture_team):
    query = {**FUNNEL, "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"}}
    checked = 0
    for steps in post(api, fixture_team, query)["results"]:
        value = steps[0]["breakdown_value"]
        for i, step in enumerate(steps):
            reached = funnel_actors(api, fixture_team, query, funnelStep=i + 1, funnelStepBreakdown=value)
            assert len(reached["results"]) == step["count"]
            if i:
                dropped = funnel_actors(
                    api, fixture_team, query, funnelStep=-(i + 1), funnelStepBreakdown=value
                )
                assert len(dropped["results"]) == steps[i - 1]["count"] - step["count"]
            checked += 1
    assert checked == 3 * 2
    chrome = funnel_actors(api, fixture_team, query, funnelStep=1, funnelStepBreakdown=["Chrome"])
    assert emails(chrome) == ["p1@x.io", "p3@x.io"]


RETENTION = {
    "kind": "RetentionQuery",
    "retentionFilter": {
        "period": "Day",
        "totalIntervals": 5,
        "targetEntity": {"id": "$pageview", "type": "events"},
        "returningEntity": {"id": "$pageview", "type": "events"},
    },
    "dateRange": {"date_from": "2020-01-09", "date_to": "2020-01-13"},
}


def test_retention_every_cohort_cell(api, fixture_team):
    rows = post(api, fixture_team, RETENTION)["results"]
    checked = 0
    for i, row in enumerate(rows):
        body = insight_actors(api, fixture_team, RETENTION, interval=i)
        assert body["columns"] == ["person"]
        found = post(
            api,
            fixture_team,
            {
                "kind": "ActorsQuery",
                "source": {"kind": "InsightActorsQuery", "source": RETENTION, "interval": i},
                "select": ["properties.email", "appearances"],
            },
        )["results"]
        assert len(found) == row["values"][0]["count"]
        for lag, cell in enumerate(row["values"]):
            assert sum(1 for _, appearances in found if lag in appearances) == cell["count"], (i, lag)
            checked += 1
    assert checked == 5 * 5  # rectangular rows: every lag of every cohort
    # Jan 9: p1 (back on the 11th, lag 2) and p2 (back on the 12th, lag 3).
    first = post(
        api,
        fixture_team,
        {
            "kind": "ActorsQuery",
            "source": {"kind": "InsightActorsQuery", "source": RETENTION, "interval": 0},
            "select": ["properties.email", "appearances"],
            "orderBy": ["person"],
        },
    )["results"]
    assert first == [["p1@x.io", [0, 2]], ["p2@x.io", [0, 3]]]
    assert insight_actors(api, fixture_team, RETENTION, code=400, interval=5)["attr"] == "source__interval"


def test_funnel_trends_entrance_periods(api, fixture_team):
    query = {**FUNNEL, "funnelsFilter": {"funnelVizType": "trends"}}
    (entry,) = post(api, fixture_team, query)["results"]
    for day, rate in zip(entry["days"], entry["data"], strict=True):
        selector = {"funnelTrendsEntrancePeriodStart": day}
        converted = funnel_actors(api, fixture_team, query, funnelTrendsDropOff=False, **selector)["results"]
        dropped = funnel_actors(api, fixture_team, query, funnelTrendsDropOff=True, **selector)["results"]
        entered = len(converted) + len(dropped)
        assert (round(len(converted) / entered * 100, 2) if entered else 0) == rate, day
    jan9 = {"funnelTrendsEntrancePeriodStart": "2020-01-09"}
    assert emails(funnel_actors(api, fixture_team, query, funnelTrendsDropOff=False, **jan9)) == ["p1@x.io"]
    assert emails(funnel_actors(api, fixture_team, query, funnelTrendsDropOff=True, **jan9)) == ["p2@x.io"]
    refused = funnel_actors(api, fixture_team, query, code=400, **jan9)
    assert refused["attr"] == "source__funnelTrendsDropOff"
