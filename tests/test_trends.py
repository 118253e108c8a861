"""Trends through the HTTP API on a small hand-checked fixture.

Fixture (engine.md §2.2 reference): $pageview by p2 on Jan 9 and 12, p1 on
Jan 11, 12, 13, 15, 17, 19, p3 on Jan 12, p4 on Jan 15 (2020, UTC); each
event carries ``prop`` = 10 (p1), 20 (p2), 30 (p3), 40 (p4).
"""

from __future__ import annotations

import pytest

from tests.engine_events import store_events

DAYS = {"p2": [9, 12], "p1": [11, 12, 13, 15, 17, 19], "p3": [12], "p4": [15]}
PROP = {"p1": 10, "p2": 20, "p3": 30, "p4": 40}
BROWSER = {"p1": "Chrome", "p2": "Firefox", "p3": "Safari", "p4": "Chrome"}
RANGE = {"date_from": "2020-01-09", "date_to": "2020-01-20"}


@pytest.fixture
def reference(api, team, clickhouse):
    events = [
        {
            "event": "$pageview",
            "distinct_id": person,
            "timestamp": f"2020-01-{day:02d}T12:00:00Z",
            "properties": {"prop": PROP[person], "$browser": BROWSER[person], "$set": {"tier": person}},
        }
        for person, days in DAYS.items()
        for day in days
    ]
    store_events(api, team, events)
    return team


def query(api, team, **fields):
    body = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": RANGE,
    }
    body.update(fields)
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def series(api, team, **node):
    return query(api, team, series=[{"kind": "EventsNode", "event": "$pageview", **node}])["results"]


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({}, [1, 0, 1, 3, 1, 0, 2, 0, 1, 0, 1, 0]),
        ({"math": "dau"}, [1, 0, 1, 3, 1, 0, 2, 0, 1, 0, 1, 0]),
        # trailing 7 days incl. the bucket day: Jan 15 → p1,p2,p3,p4 seen Jan 9..15
        ({"math": "weekly_active"}, [1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 2, 2]),
        ({"math": "monthly_active"}, [1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4]),
        ({"math": "sum", "math_property": "prop"}, [20, 0, 10, 60, 10, 0, 50, 0, 10, 0, 10, 0]),
        ({"math": "avg", "math_property": "prop"}, [20, 0, 10, 20, 10, 0, 25, 0, 10, 0, 10, 0]),
        ({"math": "min", "math_property": "prop"}, [20, 0, 10, 10, 10, 0, 10, 0, 10, 0, 10, 0]),
        ({"math": "max", "math_property": "prop"}, [20, 0, 10, 30, 10, 0, 40, 0, 10, 0, 10, 0]),
        ({"math": "median", "math_property": "prop"}, [20, 0, 10, 20, 10, 0, 25, 0, 10, 0, 10, 0]),
        ({"math": "max_count_per_actor"}, [1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0]),
        # first event per person: p2 Jan 9, p1 Jan 11, p3 Jan 12, p4 Jan 15
        ({"math": "first_time_for_user"}, [1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0]),
        # no $session_id: every event has '' → one distinct (empty) session per active day
        ({"math": "unique_session"}, [1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0]),
    ],
)
def test_math(api, reference, node, expected):
    [result] = series(api, reference, **node)
    assert result["data"] == expected
    assert result["count"] == float(sum(expected))
    assert result["days"][0] == "2020-01-09" and result["labels"][0] == "9-Jan-2020"


def test_weekly_active_at_week_interval_is_dau(api, reference):
    # weeks (Sunday start): Jan 5–11 {p2,p1}, Jan 12–18 {p2,p1,p3,p4}, Jan 19–25 {p1}
    [result] = query(
        api,
        reference,
        interval="week",
        series=[{"kind": "EventsNode", "event": "$pageview", "math": "weekly_active"}],
    )["results"]
    assert result["data"] == [2, 4, 1]
    assert result["labels"] == ["9–11 Jan", "12–18 Jan", "19–20 Jan"]


def test_intervals(api, reference):
    month = query(api, reference, interval="month")["results"][0]
    assert month["data"] == [10] and month["labels"] == ["Jan 2020"] and month["days"] == ["2020-01-01"]
    hour = query(
        api,
        reference,
        interval="hour",
        dateRange={"date_from": "2020-01-12 11:00:00", "date_to": "2020-01-12 13:00:00"},
    )
    assert hour["results"][0]["data"] == [0, 3, 0]
    assert hour["results"][0]["labels"] == ["12-Jan 11:00", "12-Jan 12:00", "12-Jan 13:00"]
    assert hour["results"][0]["days"][1] == "2020-01-12 12:00:00"


def test_monday_week_start(api, reference):
    reference.week_start_day = 1
    reference.save()
    # weeks (Monday start): Jan 6–12 → 5 events, Jan 13–19 → 5, Jan 20 → 0
    result = query(api, reference, interval="week")["results"][0]
    assert result["data"] == [5, 5, 0]
    assert result["days"] == ["2020-01-06", "2020-01-13", "2020-01-20"]


def test_cumulative_and_dau_cumulative(api, reference):
    cumulative = query(api, reference, trendsFilter={"display": "ActionsLineGraphCumulative"})["results"][0]
    assert cumulative["data"] == [1, 1, 2, 5, 6, 6, 8, 8, 9, 9, 10, 10] and cumulative["count"] == 10
    dau = query(
        api,
        reference,
        series=[{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
        trendsFilter={"display": "ActionsLineGraphCumulative"},
    )["results"][0]
    # each person once on their first day: p2 9th, p1 11th, p3 12th, p4 15th
    assert dau["data"] == [1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4]


@pytest.mark.parametrize(
    "display", ["BoldNumber", "ActionsPie", "ActionsTable", "ActionsBarValue", "WorldMap"]
)
def test_total_value_displays(api, reference, display):
    [result] = query(
        api,
        reference,
        series=[{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
        trendsFilter={"display": display},
    )["results"]
    # unique users over the whole range, not a sum of daily uniques
    assert result["aggregated_value"] == 4 and result["count"] == 0 and result["days"] == []


@pytest.mark.parametrize(
    "display", ["ActionsBar", "ActionsStackedBar", "ActionsUnstackedBar", "ActionsAreaGraph"]
)
def test_time_series_displays(api, reference, display):
    assert query(api, reference, trendsFilter={"display": display})["results"][0]["data"][3] == 3


def test_smoothing(api, reference):
    result = query(api, reference, trendsFilter={"smoothingIntervals": 7})["results"][0]
    assert result["data"] == [1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0]


def test_breakdown_with_limit_and_other(api, reference):
    # totals: Chrome 7 (p1 6 + p4 1), Firefox 2, Safari 1
    body = query(api, reference, breakdownFilter={"breakdown": "$browser", "breakdown_limit": 2})
    values = [(r["breakdown_value"], r["count"]) for r in body["results"]]
    assert values == [("Chrome", 7.0), ("Firefox", 2.0), ("$$_posthog_breakdown_other_$$", 1.0)]
    assert body["hasMore"] is True
    assert body["results"][0]["label"] == "Chrome"
    full = query(api, reference, breakdownFilter={"breakdown": "$browser"})
    assert [r["breakdown_value"] for r in full["results"]] == ["Chrome", "Firefox", "Safari"] and not full[
        "hasMore"
    ]
    hidden = query(
        api,
        reference,
        breakdownFilter={
            "breakdown": "$browser",
            "breakdown_limit": 2,
            "breakdown_hide_other_aggregation": True,
        },
    )
    assert len(hidden["results"]) == 2


def test_person_breakdown_and_null_bucket(api, reference):
    body = query(api, reference, breakdownFilter={"breakdown": "tier", "breakdown_type": "person"})
    assert {r["breakdown_value"]: r["count"] for r in body["results"]} == {
        "p1": 6.0,
        "p2": 2.0,
        "p3": 1.0,
        "p4": 1.0,
    }
    missing = query(api, reference, breakdownFilter={"breakdown": "nope"})
    assert [r["breakdown_value"] for r in missing["results"]] == ["$$_posthog_breakdown_null_$$"]


def test_compare_previous_period(api, reference):
    # Jan 15–19 vs Jan 10–14: current [2,0,1,0,1]=4, previous [0,1,3,1,0]=5
    body = query(
        api,
        reference,
        dateRange={"date_from": "2020-01-15", "date_to": "2020-01-19"},
        compareFilter={"compare": True},
    )
    current, previous = body["results"]
    assert (current["compare_label"], current["data"]) == ("current", [2, 0, 1, 0, 1])
    assert (previous["compare_label"], previous["data"], previous["days"][0]) == (
        "previous",
        [0, 1, 3, 1, 0],
        "2020-01-10",
    )
    shifted = query(
        api,
        reference,
        dateRange={"date_from": "2020-01-15", "date_to": "2020-01-19"},
        compareFilter={"compare": True, "compare_to": "-3d"},
    )
    # Jan 12–16: [3,1,0,2,0]
    assert shifted["results"][1]["data"] == [3, 1, 0, 2, 0]


def test_formula(api, reference, clickhouse):
    store_events(
        api, reference, [{"event": "$pageleave", "distinct_id": "p1", "timestamp": "2020-01-12T13:00:00Z"}]
    )
    body = query(
        api,
        reference,
        series=[{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$pageleave"}],
        trendsFilter={"formula": "A + 2*B"},
    )
    [result] = body["results"]
    assert result["data"] == [1, 0, 1, 5, 1, 0, 2, 0, 1, 0, 1, 0] and result["label"] == "Formula (A + 2*B)"
    ratio = query(
        api,
        reference,
        series=[{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$pageleave"}],
        trendsFilter={"formula": "b/a"},
    )
    # division by zero → 0; Jan 12: 1/3
    assert ratio["results"][0]["data"][3] == pytest.approx(1 / 3) and ratio["results"][0]["data"][1] == 0


def test_all_events_and_action_series(api, reference):
    from analytics.models import Action

    action = Action.objects.create(
        team=reference,
        name="Chrome views",
        steps=[{"event": "$pageview", "properties": [{"key": "$browser", "value": "Chrome"}]}],
    )
    body = query(
        api,
        reference,
        series=[{"kind": "EventsNode", "event": None}, {"kind": "ActionsNode", "id": action.id}],
    )
    everything, chrome = body["results"]
    assert everything["label"] == "All events" and everything["count"] == 10.0
    assert chrome["label"] == "Chrome views" and chrome["count"] == 7.0


@pytest.mark.parametrize(
    ("field", "value", "attr"),
    [
        ("interval", "fortnight", "interval"),
        ("dateRange", {"date_from": "2020-13-45"}, "dateRange__date_from"),
        ("trendsFilter", {"display": "Pie3D"}, "trendsFilter__display"),
        ("trendsFilter", {"formula": "A +* Z"}, "trendsFilter__formula"),
        (
            "breakdownFilter",
            {"breakdown": "$browser", "breakdown_limit": "many"},
            "breakdownFilter__breakdown_limit",
        ),
        ("series", [{"kind": "EventsNode", "event": "$pageview", "math": "everything"}], "series__0__math"),
        ("series", [], "series"),
    ],
)
def test_invalid_fields_are_400_naming_the_field(api, team, clickhouse, field, value, attr):
    body = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}], field: value}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == attr


def test_unknown_query_kind(api, team):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": {"kind": "MagicQuery"}}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "query__kind"


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"trendsFilter": "ActionsPie"}, "trendsFilter"),
        ({"breakdownFilter": ["$browser"]}, "breakdownFilter"),
        ({"dateRange": "-7d"}, "dateRange"),
        (
            {"interval": "minute", "dateRange": {"date_from": "2019-01-01", "date_to": "2020-01-20"}},
            "interval",
        ),
        ({"dateRange": {"date_from": "2020-01-20", "date_to": "2020-01-01"}}, "dateRange__date_from"),
        (
            {"breakdownFilter": {"breakdown": "x", "breakdown_type": "data_warehouse"}},
            "breakdownFilter__breakdown_type",
        ),
        (
            {"breakdownFilter": {"breakdown": "x", "breakdown_type": "cohort"}},
            "breakdownFilter__breakdown",
        ),
        (
            {"series": [{"kind": "EventsNode", "event": "$pageview", "math": "sum"}]},
            "series__0__math_property",
        ),
        ({"series": [{"kind": "ActionsNode", "id": "abc"}]}, "series__0__id"),
        ({"series": [{"kind": "EventsNode", "event": 5}]}, "series__0__event"),
        # Group aggregation is not built: a 400, not person counts under a group label.
        ({"aggregation_group_type_index": 0}, "aggregation_group_type_index"),
    ],
)
def test_malformed_query_parts_are_400(api, team, fields, attr):
    body = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}], **fields}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr


def test_legacy_bad_inputs_name_the_legacy_field(api, team):
    url = f"/api/projects/{team.id}/insights/trend/"
    cases = [
        ({"events": "[{not json"}, "events"),
        (
            {"events": '[{"id": "$pageview"}]', "breakdown": "$browser", "breakdown_limit": "lots"},
            "breakdown_limit",
        ),
        ({"events": '[{"id": "$pageview"}]', "display": "Hologram"}, "display"),
        ({"events": '[{"id": "$pageview", "math": "sum"}]'}, "events"),
        ({"events": '[{"id": "$pageview"}]', "insight": "FUNNELS"}, "insight"),
    ]
    for params, attr in cases:
        response = api.get(url, params)
        assert response.status_code == 400, (params, response.json())
        assert response.json()["attr"] == attr, params


def test_multi_breakdown(api, reference):
    body = query(
        api,
        reference,
        breakdownFilter={"breakdowns": [{"property": "$browser"}, {"property": "tier", "type": "person"}]},
    )
    # Chrome/p1 6, Firefox/p2 2, Chrome/p4 1, Safari/p3 1 (ties by value ascending)
    values = [(r["breakdown_value"], r["count"], r["label"]) for r in body["results"]]
    assert values == [
        (["Chrome", "p1"], 6.0, "Chrome::p1"),
        (["Firefox", "p2"], 2.0, "Firefox::p2"),
        (["Chrome", "p4"], 1.0, "Chrome::p4"),
        (["Safari", "p3"], 1.0, "Safari::p3"),
    ]
    capped = query(
        api, reference, breakdownFilter={"breakdowns": [{"property": "$browser"}], "breakdown_limit": 1}
    )
    assert [r["breakdown_value"] for r in capped["results"]] == [
        ["Chrome"],
        ["$$_posthog_breakdown_other_$$"],
    ]


def test_breakdown_normalize_url(api, team, clickhouse):
    urls = ["https://x.com/a/", "https://x.com/a?", "https://x.com/a", "/"]
    store_events(
        api,
        team,
        [
            {
                "event": "$pageview",
                "distinct_id": "u",
                "timestamp": "2020-01-10T10:00:00Z",
                "properties": {"$current_url": u},
            }
            for u in urls
        ],
    )
    body = query(api, team, breakdownFilter={"breakdown": "$current_url", "breakdown_normalize_url": True})
    # trailing /?# stripped; "/" stays "/"
    assert {r["breakdown_value"]: r["count"] for r in body["results"]} == {"https://x.com/a": 3.0, "/": 1.0}


def test_formula_with_breakdown_and_compare(api, reference):
    body = query(
        api,
        reference,
        series=[
            {"kind": "EventsNode", "event": "$pageview"},
            {"kind": "EventsNode", "event": "$pageview", "math": "dau"},
        ],
        dateRange={"date_from": "2020-01-15", "date_to": "2020-01-19"},
        breakdownFilter={"breakdown": "$browser"},
        compareFilter={"compare": True},
        trendsFilter={"formula": "A - B"},
    )
    # each person has at most one event a day, so total - dau is 0 for every value and day
    assert {r["compare_label"] for r in body["results"]} == {"current", "previous"}
    assert all(r["data"] == [0, 0, 0, 0, 0] for r in body["results"])
    assert [r["compare_label"] for r in body["results"]] == sorted(
        [r["compare_label"] for r in body["results"]], key=["current", "previous"].index
    )


def test_property_math_variants(api, reference):
    # Jan 12: p2=20, p1=10, p3=30; quantile(0.9) of [10,20,30] interpolates to 28
    [p90] = series(api, reference, math="p90", math_property="prop")
    assert p90["data"][3] == pytest.approx(28.0)
    [person_sum] = series(
        api, reference, math="sum", math_property="prop", math_property_type="person_properties"
    )
    assert person_sum["data"] == [0] * 12  # persons have no "prop"
    [avg_per_actor] = series(api, reference, math="avg_count_per_actor")
    assert avg_per_actor["data"][3] == 1.0


def test_default_range_is_eight_days_ending_today(api, team, clickhouse):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    store_events(
        api,
        team,
        [
            {"event": "$pageview", "distinct_id": "a", "timestamp": now.isoformat()},
            {"event": "$pageview", "distinct_id": "a", "timestamp": (now - timedelta(days=7)).isoformat()},
            {"event": "$pageview", "distinct_id": "a", "timestamp": (now - timedelta(days=9)).isoformat()},
        ],
    )
    body = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    [result] = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json").json()["results"]
    # -7d: 00:00 seven days ago through the end of today → 8 buckets, the 9-day-old event excluded
    assert len(result["days"]) == 8 and result["days"][-1] == now.date().isoformat()
    assert result["data"][0] == 1 and result["data"][-1] == 1 and result["count"] == 2.0


def test_first_time_math_respects_filters(api, reference):
    # first_time_for_user: the person's first-ever $pageview must itself match the filter.
    # Chrome users: p1 (first event Jan 11) and p4 (Jan 15) → both counted on their first day.
    node = {"properties": [{"key": "$browser", "value": "Chrome"}]}
    [first] = series(api, reference, math="first_time_for_user", **node)
    assert first["data"] == [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    # prop >= 20 matches p2 (first event Jan 9), p3 (Jan 12) and p4 (Jan 15); p1 never matches
    node = {"properties": [{"key": "prop", "value": 20, "operator": "gte"}]}
    [matching] = series(api, reference, math="first_matching_event_for_user", **node)
    assert matching["data"] == [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    # restricting the range to Jan 12+ drops p2 for first_time (their first event is Jan 9)
    late = query(
        api,
        reference,
        dateRange={"date_from": "2020-01-12", "date_to": "2020-01-20"},
        series=[{"kind": "EventsNode", "event": "$pageview", "math": "first_time_for_user"}],
    )["results"][0]
    assert late["count"] == 2.0  # p3 on the 12th, p4 on the 15th


def test_hourly_buckets_across_daylight_saving(api, team, clickhouse):
    team.timezone = "Europe/Berlin"
    team.save()
    # 2021-03-28: clocks jump 02:00 → 03:00 CET/CEST; 00:30Z = 01:30 CET, 01:30Z = 03:30 CEST
    store_events(
        api,
        team,
        [
            {"event": "e", "distinct_id": "a", "timestamp": "2021-03-28T00:30:00Z"},
            {"event": "e", "distinct_id": "a", "timestamp": "2021-03-28T01:30:00Z"},
        ],
    )
    body = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "e"}],
        "interval": "hour",
        "dateRange": {"date_from": "2021-03-28 01:00:00", "date_to": "2021-03-28 03:59:00"},
    }
    [result] = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json").json()["results"]
    # 02:00 does not exist that night: two buckets, one event each
    assert list(zip(result["labels"], result["data"], strict=True)) == [
        ("28-Mar 01:00", 1),
        ("28-Mar 03:00", 1),
    ]


def test_date_from_all_starts_at_the_first_event(api, reference):
    result = query(api, reference, dateRange={"date_from": "all", "date_to": "2020-01-20"})["results"][0]
    # earliest event: p2 on Jan 9 → the same buckets as the explicit range
    assert result["days"][0] == "2020-01-09" and result["data"] == [1, 0, 1, 3, 1, 0, 2, 0, 1, 0, 1, 0]
