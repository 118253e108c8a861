"""Funnel trends and time-to-convert visualisations through ``/query/`` (engine.md §3.6, §3.7)."""

from __future__ import annotations

from tests.capture import capture_events
from tests.funnels_helpers import ev, funnel

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-04"}


def test_trends_conversion_rate_per_entrance_day(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # Jan 1: a converts, b does not → 50 %
            ev("a", "signup", "10:00:00"),
            ev("a", "activate", "10:10:00"),
            ev("a", "pay", "10:20:00"),
            ev("b", "signup", "11:00:00"),
            # Jan 3: c converts → 100 %
            ev("c", "signup", "10:00:00", day=3),
            ev("c", "activate", "10:01:00", day=3),
            ev("c", "pay", "10:02:00", day=3),
            # Jan 4: d reaches activate only → 0 % for the full funnel, 100 % for 0→1
            ev("d", "signup", "10:00:00", day=4),
            ev("d", "activate", "10:01:00", day=4),
        ],
    )
    result = funnel(api, team, dateRange=RANGE, funnelsFilter={"funnelVizType": "trends"})
    assert len(result) == 1
    entry = result[0]
    assert entry["days"] == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    assert entry["labels"] == ["1-Jan-2024", "2-Jan-2024", "3-Jan-2024", "4-Jan-2024"]
    assert entry["count"] == 4
    assert entry["data"] == [50.0, 0, 100.0, 0]
    to_activate = funnel(
        api, team, dateRange=RANGE, funnelsFilter={"funnelVizType": "trends", "funnelToStep": 1}
    )[0]
    assert to_activate["data"] == [50.0, 0, 100.0, 100.0]


def test_trends_same_person_counted_per_entrance_period(api, team, clickhouse):
    # p enters on Jan 1 (no conversion) and again on Jan 2 (converts) → [0, 100]
    capture_events(
        api,
        team,
        [
            ev("p", "signup", "10:00:00"),
            ev("p", "signup", "10:00:00", day=2),
            ev("p", "activate", "10:05:00", day=2),
            ev("p", "pay", "10:06:00", day=2),
        ],
    )
    result = funnel(
        api,
        team,
        dateRange={"date_from": "2024-01-01", "date_to": "2024-01-02"},
        funnelsFilter={"funnelVizType": "trends"},
    )
    assert result[0]["data"] == [0, 100.0]


def test_trends_breakdown(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            ev("a", "signup", "10:00:00", **{"$browser": "Chrome"}),
            ev("a", "activate", "10:01:00"),
            ev("b", "signup", "10:00:00", **{"$browser": "Chrome"}),
            ev("c", "signup", "10:00:00", **{"$browser": "Safari"}),
            ev("c", "activate", "10:01:00"),
        ],
    )
    result = funnel(
        api,
        team,
        steps=["signup", "activate"],
        dateRange={"date_from": "2024-01-01", "date_to": "2024-01-02"},
        breakdownFilter={"breakdown": "$browser"},
        funnelsFilter={"funnelVizType": "trends"},
    )
    # ordered by actors entering: Chrome (2) then Safari (1)
    assert [(r["breakdown_value"], r["data"]) for r in result] == [
        (["Chrome"], [50.0, 0]),
        (["Safari"], [100.0, 0]),
    ]


def test_time_to_convert_histogram(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            # conversion times signup → pay: a 120 s, b 600 s, c 1800 s; d never pays
            ev("a", "signup", "10:00:00"),
            ev("a", "activate", "10:01:00"),
            ev("a", "pay", "10:02:00"),
            ev("b", "signup", "10:00:00"),
            ev("b", "activate", "10:05:00"),
            ev("b", "pay", "10:10:00"),
            ev("c", "signup", "10:00:00"),
            ev("c", "activate", "10:20:00"),
            ev("c", "pay", "10:30:00"),
            ev("d", "signup", "10:00:00"),
        ],
    )
    result = funnel(api, team, funnelsFilter={"funnelVizType": "time_to_convert"})
    # 3 samples → ceil(cbrt(3)) = 2 bins; from 120 to 1800 → width ceil(1680 / 2) = 840
    # bins start at 120, 960, 1800: 120 and 600 in the first, 1800 in the last
    assert result == {"bins": [[120, 2], [960, 0], [1800, 1]], "average_conversion_time": 840.0}
    # signup → activate only, 4 custom bins: times 60, 300, 1200 → width ceil(1140 / 4) = 285;
    # 60 and 300 fall in bin 0 ((300 - 60) / 285 < 1), 1200 in bin 4 (1140 / 285 = 4)
    steps01 = funnel(
        api, team, funnelsFilter={"funnelVizType": "time_to_convert", "funnelToStep": 1, "binCount": 4}
    )
    assert steps01 == {
        "bins": [[60, 2], [345, 0], [630, 0], [915, 0], [1200, 1]],
        "average_conversion_time": 520.0,
    }
