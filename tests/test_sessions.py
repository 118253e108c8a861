"""Sessions (spec sessions.md): the sessions table fed from events, session filters,
breakdowns and per-session math, through the HTTP API, with hand-computed numbers.

Fixture (UTC; one person per session; pageviews unless stated):

| session | events | duration | channel | bounce |
|---|---|---|---|---|
| s1 | 01-01 10:00:00 /a ($direct), 10:00:05 $autocapture, 10:04:00 /b | 240 | Direct | 0 |
| s2 | 01-01 12:00:00 (www.google.com) | 0 | Organic Search | 1 |
| s3 | 01-01 23:50 /s3-entry (facebook/cpc, fbclid, l.facebook.com), 01-02 00:10 /s3-exit | 1200 | Paid Social | 0 |
| s4 | 01-02 09:00:00 (medium email), $pageleave 09:00:30 | 30 | Email | 0 |
| s5 | 01-02 15:00, 15:01 (example.com) | 60 | Referral | 0 |
| s6 | 01-02 17:00 (gad_source 1) | 0 | Paid Search | 1 |
| s7 | 01-02 18:00 custom event only | 0 | Unknown | NULL |
| — | 01-02 16:00, no $session_id | | | |

s3's second event is sent in an earlier batch than its first (out of order, across days).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from analytics.ingestion.writer import get_writer
from tests.capture import capture_events
from tests.factories import make_org_with_team, persona

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-02"}
URL = "https://example.com"


def ev(person: str, event: str, at: str, session: str | None, **props: Any) -> dict[str, Any]:
    if session is not None:
        props["$session_id"] = session
    return {"event": event, "distinct_id": person, "timestamp": at, "properties": props}


FIRST_BATCH = [ev("u3", "$pageview", "2024-01-02T00:10:00Z", "s3", **{"$current_url": f"{URL}/s3-exit"})]
SECOND_BATCH = [
    ev(
        "u1",
        "$pageview",
        "2024-01-01T10:00:00Z",
        "s1",
        **{"$current_url": f"{URL}/a", "$referring_domain": "$direct"},
    ),
    ev("u1", "$autocapture", "2024-01-01T10:00:05Z", "s1"),
    ev("u1", "$pageview", "2024-01-01T10:04:00Z", "s1", **{"$current_url": f"{URL}/b"}),
    ev("u2", "$pageview", "2024-01-01T12:00:00Z", "s2", **{"$referring_domain": "www.google.com"}),
    ev(
        "u3",
        "$pageview",
        "2024-01-01T23:50:00Z",
        "s3",
        utm_source="facebook",
        utm_medium="cpc",
        fbclid="abc",
        **{"$current_url": f"{URL}/s3-entry", "$referring_domain": "l.facebook.com"},
    ),
    ev("u4", "$pageview", "2024-01-02T09:00:00Z", "s4", utm_medium="email"),
    ev("u4", "$pageleave", "2024-01-02T09:00:30Z", "s4"),
    ev("u5", "$pageview", "2024-01-02T15:00:00Z", "s5", **{"$referring_domain": "example.com"}),
    ev("u5", "$pageview", "2024-01-02T15:01:00Z", "s5"),
    ev("u0", "$pageview", "2024-01-02T16:00:00Z", None),
    ev("u6", "$pageview", "2024-01-02T17:00:00Z", "s6", gad_source="1"),
    ev("u7", "custom", "2024-01-02T18:00:00Z", "s7"),
]


@pytest.fixture
def sessions(api, team, clickhouse):
    capture_events(api, team, FIRST_BATCH)
    capture_events(api, team, SECOND_BATCH)
    return team


def query(api, team, body: dict[str, Any], status: int = 200) -> Any:
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == status, response.json()
    return response.json()


def trends(api, team, series: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
    body = {"kind": "TrendsQuery", "series": [series], "dateRange": RANGE, "interval": "day", **fields}
    return query(api, team, body)["results"]


def pageviews(**fields: Any) -> dict[str, Any]:
    return {"kind": "EventsNode", "event": "$pageview", **fields}


def by_breakdown(results: list[dict[str, Any]]) -> dict[Any, float]:
    return {r["breakdown_value"]: r["count"] for r in results}


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_average_and_median_session_duration_per_day_span_midnight(api, sessions, prefix):
    # Day 1 sessions with a pageview: s1 240, s2 0, s3 1200 → avg 480, median 240.
    # Day 2: s3 1200, s4 30, s5 60, s6 0 (the event without a session is ignored)
    # → avg 1290 / 4 = 322.5, median of 0, 30, 60, 1200 = 45.
    body = {
        "kind": "TrendsQuery",
        "series": [pageviews(math="avg", math_property="$session_duration")],
        "dateRange": RANGE,
    }
    response = api.post(f"/api/{prefix}/{sessions.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["results"][0]["data"] == [480.0, 322.5]
    median = trends(api, sessions, pageviews(math="median", math_property="$session_duration"))
    assert median[0]["data"] == [240.0, 45.0]
    # Per session, not per event: s1's two pageviews count once (an event-weighted mean
    # of day 1 would be (240 + 240 + 0 + 1200) / 4 = 420).
    maximum = trends(api, sessions, pageviews(math="max", math_property="$session_duration"))
    assert maximum[0]["data"] == [1200.0, 1200.0]
    total = trends(
        api,
        sessions,
        pageviews(math="sum", math_property="$session_duration"),
        trendsFilter={"display": "ActionsTable"},
    )
    # s1 240 + s2 0 + s3 1200 + s4 30 + s5 60 + s6 0, each session once over the range.
    assert total[0]["aggregated_value"] == 1530.0


def test_unique_session_keeps_counting_session_ids(api, sessions):
    # Day 1: s1, s2, s3. Day 2: s3, s4, s5, s6 and the empty id of the event without one.
    result = trends(api, sessions, pageviews(math="unique_session"))
    assert result[0]["data"] == [3, 5]


def test_channel_type_breakdown(api, sessions):
    result = trends(
        api,
        sessions,
        pageviews(),
        breakdownFilter={"breakdown": "$channel_type", "breakdown_type": "session"},
        trendsFilter={"display": "ActionsTable"},
    )
    assert {r["breakdown_value"]: r["aggregated_value"] for r in result} == {
        "Direct": 2,
        "Organic Search": 1,
        "Paid Social": 2,
        "Email": 1,
        "Referral": 2,
        "Paid Search": 1,
        "$$_posthog_breakdown_null_$$": 1,
    }


def test_entry_and_exit_pathnames_out_of_order_batches(api, sessions):
    entry = trends(
        api,
        sessions,
        pageviews(),
        breakdownFilter={"breakdown": "$entry_pathname", "breakdown_type": "session"},
    )
    counted = by_breakdown(entry)
    assert counted["/s3-entry"] == 2 and counted["/a"] == 2
    exits = trends(
        api,
        sessions,
        pageviews(),
        breakdownFilter={"breakdown": "$exit_pathname", "breakdown_type": "session"},
    )
    counted = by_breakdown(exits)
    assert counted["/s3-exit"] == 2 and counted["/b"] == 2


def test_session_duration_breakdown_with_histogram_bins(api, sessions):
    # Distinct durations of the pageviews' sessions: 0, 30, 60, 240, 1200 → quantiles
    # (0, .5, 1) = 0, 60, 1200 → bins [0, 60) and [60, 1200.01).
    result = trends(
        api,
        sessions,
        pageviews(),
        breakdownFilter={
            "breakdown": "$session_duration",
            "breakdown_type": "session",
            "breakdown_histogram_bin_count": 2,
        },
    )
    assert by_breakdown(result) == {
        "[0.0,60.0]": 3.0,  # s2, s4, s6
        "[60.0,1200.01]": 6.0,  # s1 ×2, s3 ×2, s5 ×2
        '["",""]': 1.0,  # the pageview without a session
    }


def test_bounce_rate_per_day(api, sessions):
    # All events. Day 1: s1 0, s2 1, s3 0 → 1/3. Day 2: s3 0, s4 0 (30 s), s5 0, s6 1,
    # s7 NULL (no pageview) and no session (NULL) ignored → 1/4.
    result = trends(
        api,
        sessions,
        {
            "kind": "EventsNode",
            "event": None,
            "math": "avg",
            "math_property": "$is_bounce",
            "math_property_type": "session_properties",
        },
    )
    assert result[0]["data"] == pytest.approx([1 / 3, 0.25])


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"key": "$session_duration", "operator": "gt", "value": 100}, [3, 1]),  # s1 ×2, s3 / s3
        ({"key": "$channel_type", "value": "Paid Search"}, [0, 1]),
        ({"key": "$channel_type", "operator": "is_not", "value": "Direct"}, [2, 6]),  # + no session
        ({"key": "$is_bounce", "value": "true"}, [1, 1]),  # s2 / s6
        ({"key": "$entry_utm_medium", "operator": "icontains", "value": "MAIL"}, [0, 1]),
        ({"key": "$pageview_count", "operator": "gte", "value": 2}, [3, 3]),  # s1 ×2, s3 / s3, s5 ×2
    ],
)
def test_session_property_filters_on_trends(api, sessions, prop, expected):
    result = trends(api, sessions, pageviews(properties=[{"type": "session", **prop}]))
    assert result[0]["data"] == expected


def test_session_filter_in_a_funnel(api, sessions):
    steps = [{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$pageview"}]
    base = {
        "kind": "FunnelsQuery",
        "series": steps,
        "dateRange": RANGE,
        "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
    }
    # No filter: 7 people view a page; u1, u3, u5 view two.
    plain = query(api, sessions, base)["results"]
    assert [s["count"] for s in plain] == [7, 3]
    longer = query(
        api,
        sessions,
        {
            **base,
            "properties": [{"type": "session", "key": "$session_duration", "operator": "gt", "value": 100}],
        },
    )["results"]
    assert [s["count"] for s in longer] == [2, 2]  # u1 (240 s), u3 (1200 s)
    referral_step = [
        {**steps[0]},
        {**steps[1], "properties": [{"type": "session", "key": "$channel_type", "value": "Referral"}]},
    ]
    referral = query(api, sessions, {**base, "series": referral_step})["results"]
    assert [s["count"] for s in referral] == [7, 1]  # only u5's second pageview qualifies


def test_refused_session_inputs_name_the_field(api, sessions):
    body = {"kind": "TrendsQuery", "series": [pageviews()], "dateRange": RANGE}
    bad_key = query(
        api, sessions, {**body, "properties": [{"type": "session", "key": "$nope", "value": 1}]}, 400
    )
    assert bad_key["attr"] == "properties" and bad_key["type"] == "validation_error"
    bad_math = query(
        api,
        sessions,
        {
            **body,
            "series": [
                pageviews(math="avg", math_property="$channel_type", math_property_type="session_properties")
            ],
        },
        400,
    )
    assert bad_math["attr"] == "series__math_property"
    # Session breakdowns are built for trends, funnels and retention; not for stickiness.
    stickiness = {
        "kind": "StickinessQuery",
        "series": [pageviews()],
        "dateRange": RANGE,
        "breakdownFilter": {"breakdown": "$channel_type", "breakdown_type": "session"},
    }
    assert query(api, sessions, stickiness, 400)["attr"] == "breakdownFilter"


def test_backfill_is_idempotent(api, sessions, clickhouse):
    get_writer().flush()  # with chDB the events (and the view's rows) are written now
    clickhouse.command("TRUNCATE TABLE sessions")
    empty = trends(api, sessions, pageviews(math="avg", math_property="$session_duration"))
    assert empty[0]["data"] == [0.0, 0.0]  # no session rows: every duration is NULL
    for _ in range(2):
        call_command("backfill_sessions", stdout=StringIO())
    cache.clear()  # the empty answer above is cached
    result = trends(api, sessions, pageviews(math="avg", math_property="$session_duration"))
    assert result[0]["data"] == [480.0, 322.5]
    bounce = trends(
        api, sessions, pageviews(properties=[{"type": "session", "key": "$is_bounce", "value": "true"}])
    )
    assert bounce[0]["data"] == [1, 1]  # re-inserted states count each pageview once


# Entry values → channel, the cases of PostHog's channel type tests (sessions.md §5.4).
CHANNEL_CASES = [
    ({"$referring_domain": "$direct"}, "Direct"),
    ({"$referring_domain": "$direct", "utm_campaign": "cross-network"}, "Cross Network"),
    ({"$referring_domain": "www.ebay.co.uk", "utm_medium": "ppc"}, "Paid Shopping"),
    ({"utm_source": "ebay", "utm_medium": "ppc"}, "Paid Shopping"),
    ({"utm_campaign": "shopping", "utm_medium": "ppc"}, "Paid Shopping"),
    ({"$referring_domain": "www.google.co.uk", "gclid": "x"}, "Paid Search"),
    ({"utm_source": "yahoo", "utm_medium": "ppc"}, "Paid Search"),
    ({"gad_source": "1"}, "Paid Search"),
    ({"$referring_domain": "youtube.com", "utm_medium": "cpc"}, "Paid Video"),
    ({"$referring_domain": "youtube.com"}, "Organic Video"),
    (
        {
            "utm_source": "facebook",
            "utm_medium": "paid",
            "fbclid": "x",
            "$referring_domain": "l.facebook.com",
        },
        "Paid Social",
    ),
    ({"fbclid": "x", "$referring_domain": "l.facebook.com"}, "Organic Social"),
    ({"$referring_domain": "www.google.com"}, "Organic Search"),
    ({"utm_source": "bing", "utm_medium": "cpc"}, "Paid Search"),
    ({"gclid": "x", "$referring_domain": "tpc.safeframe.googlesyndication.com"}, "Paid Unknown"),
    ({}, "Unknown"),
    ({"utm_medium": "email", "$referring_domain": "$direct"}, "Email"),
    ({"$referring_domain": "blog.example.org"}, "Referral"),
]


def test_channel_types_of_posthogs_cases(api, team, clickhouse):
    events = [
        ev(f"c{i}", "$pageview", "2024-01-01T10:00:00Z", f"channel-{i}", case=str(i), **props)
        for i, (props, _) in enumerate(CHANNEL_CASES)
    ]
    capture_events(api, team, events)
    result = trends(
        api,
        team,
        pageviews(),
        breakdownFilter={
            "breakdowns": [
                {"property": "case", "type": "event"},
                {"property": "$channel_type", "type": "session"},
            ]
        },
        trendsFilter={"display": "ActionsTable"},
    )
    found = {r["breakdown_value"][0]: r["breakdown_value"][1] for r in result}
    assert found == {str(i): channel for i, (_, channel) in enumerate(CHANNEL_CASES)}


def hogql_rows(api, team, text: str) -> list[list[Any]]:
    return query(api, team, {"kind": "HogQLQuery", "query": text})["results"]


def test_sessions_table_in_hogql_with_the_project_guard(api, sessions):
    _, other = make_org_with_team("Globex")
    # Another project's session with the same id: never part of this project's s1.
    capture_events(
        api,
        other,
        [
            ev("z", "$pageview", "2024-01-01T09:00:00Z", "s1"),
            ev("z", "$pageview", "2024-01-01T11:00:00Z", "s1"),
        ],
    )
    rows = hogql_rows(
        api,
        sessions,
        "select session_id, $session_duration, $channel_type, $is_bounce, $pageview_count,"
        " $entry_pathname, $end_pathname from sessions order by session_id",
    )
    assert rows == [
        ["s1", 240, "Direct", 0, 2, "/a", "/b"],
        ["s2", 0, "Organic Search", 1, 1, None, None],
        ["s3", 1200, "Paid Social", 0, 2, "/s3-entry", "/s3-exit"],
        ["s4", 30, "Email", 0, 1, None, None],
        ["s5", 60, "Referral", 0, 2, None, None],
        ["s6", 0, "Paid Search", 1, 1, None, None],
        ["s7", 0, "Unknown", None, 0, None, None],
    ]
    # Bounce rate: 2 bounces (s2, s6) of the 6 sessions with a pageview (s7's is NULL).
    assert hogql_rows(api, sessions, "select round(avg($is_bounce), 4) from sessions") == [[0.3333]]
    globex = APIClient()
    globex.credentials(HTTP_AUTHORIZATION=f"Bearer {persona('bob@globex.com', other).key}")
    assert hogql_rows(globex, other, "select session_id, duration from sessions") == [["s1", 7200]]
    by_channel = hogql_rows(
        api,
        sessions,
        "select session.$channel_type as channel, count() from events where event = '$pageview'"
        " group by channel order by channel",
    )
    assert by_channel == [
        ["Direct", 2],
        ["Email", 1],
        ["Organic Search", 1],
        ["Paid Search", 1],
        ["Paid Social", 2],
        ["Referral", 2],
        [None, 1],
    ]
