"""Session filters (``type: session``) and session breakdowns in funnels, retention,
stickiness, lifecycle and paths, through the HTTP API, with hand-computed numbers.

The fixture is tests/test_sessions.py's (UTC, one person per session, pageviews unless stated):

| person | session | events | duration | channel |
|---|---|---|---|---|
| u1 | s1 | 01-01 10:00:00 /a, 10:00:05 $autocapture, 10:04:00 /b | 240 | Direct |
| u2 | s2 | 01-01 12:00 | 0 | Organic Search |
| u3 | s3 | 01-01 23:50 /s3-entry, 01-02 00:10 /s3-exit | 1200 | Paid Social |
| u4 | s4 | 01-02 09:00, $pageleave 09:00:30 | 30 | Email |
| u5 | s5 | 01-02 15:00, 15:01 | 60 | Referral |
| u0 | — | 01-02 16:00 | | |
| u6 | s6 | 01-02 17:00 | 0 | Paid Search |
| u7 | s7 | 01-02 18:00 custom event only | 0 | Unknown |
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_sessions import RANGE, URL, query, sessions  # noqa: F401  (sessions: pytest fixture)

LONG = {"type": "session", "key": "$session_duration", "operator": "gt", "value": 100}  # s1, s3
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview"}
NO_VALUE = ""  # funnels answer a missing breakdown value as "", for any breakdown type


def funnel(api, team, **fields: Any) -> list[Any]:
    body = {
        "kind": "FunnelsQuery",
        "series": [PAGEVIEW, PAGEVIEW],
        "dateRange": RANGE,
        "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
        **fields,
    }
    return query(api, team, body)["results"]


def by_value(result: list[list[dict[str, Any]]]) -> dict[str, list[int]]:
    return {steps[0]["breakdown_value"][0]: [step["count"] for step in steps] for steps in result}


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_funnel_broken_down_by_channel_type(api, sessions, prefix):  # noqa: F811
    body = {
        "kind": "FunnelsQuery",
        "series": [PAGEVIEW, PAGEVIEW],
        "dateRange": RANGE,
        "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
        "breakdownFilter": {"breakdown": "$channel_type", "breakdown_type": "session"},
    }
    response = api.post(f"/api/{prefix}/{sessions.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    # Two pageviews (converted): u1 Direct, u3 Paid Social (its two days, one session),
    # u5 Referral. One: u2 Organic Search, u4 Email, u6 Paid Search, u0 without a session.
    assert by_value(response.json()["results"]) == {
        "Direct": [1, 1],
        "Paid Social": [1, 1],
        "Referral": [1, 1],
        "Organic Search": [1, 0],
        "Email": [1, 0],
        "Paid Search": [1, 0],
        NO_VALUE: [1, 0],
    }


def test_funnel_breakdown_reads_the_whole_session(api, sessions):  # noqa: F811
    # u3's second pageview is /s3-exit, but its session's entry is /s3-entry: both steps
    # carry the session's value. u1 entered on /a. The others' entries have no URL.
    entry = by_value(
        funnel(api, sessions, breakdownFilter={"breakdown": "$entry_pathname", "breakdown_type": "session"})
    )
    assert entry == {"/a": [1, 1], "/s3-entry": [1, 1], NO_VALUE: [5, 1]}  # null: u2 u4 u5 u0 u6; u5 converts
    # Numeric fields are compared as text: 240 (u1), 1200 (u3), 60 (u5) convert.
    duration = by_value(
        funnel(
            api,
            sessions,
            breakdownFilter={"breakdowns": [{"property": "$session_duration", "type": "session"}]},
        )
    )
    assert duration == {
        "240": [1, 1],
        "1200": [1, 1],
        "60": [1, 1],
        "0": [2, 0],  # u2, u6
        "30": [1, 0],  # u4
        NO_VALUE: [1, 0],  # u0
    }


def test_session_filters_in_a_funnel_step_and_globally(api, sessions):  # noqa: F811
    # Global: only events of sessions over 100 s (s1, s3): u1 and u3, both convert.
    assert [s["count"] for s in funnel(api, sessions, properties=[LONG])] == [2, 2]
    # On the first step only: u1 and u3 enter; their second pageviews need no filter.
    first = funnel(api, sessions, series=[{**PAGEVIEW, "properties": [LONG]}, PAGEVIEW])
    assert [s["count"] for s in first] == [2, 2]
    # A bounced session's pageview (s2, s6) then any pageview: u2 and u6 enter, neither converts.
    bounced = {"type": "session", "key": "$is_bounce", "value": "true"}
    result = funnel(api, sessions, series=[{**PAGEVIEW, "properties": [bounced]}, PAGEVIEW])
    assert [s["count"] for s in result] == [2, 0]
    # Filter and breakdown together: sessions entered on a URL (s1, s3), by exit path.
    with_url = {"type": "session", "key": "$entry_current_url", "operator": "is_set", "value": "is_set"}
    result = funnel(
        api,
        sessions,
        properties=[with_url],
        breakdownFilter={"breakdown": "$exit_pathname", "breakdown_type": "session"},
    )
    assert by_value(result) == {"/b": [1, 1], "/s3-exit": [1, 1]}


def retention(api, team, **fields: Any) -> list[dict[str, Any]]:
    body = {
        "kind": "RetentionQuery",
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-02"},
        "retentionFilter": {"totalIntervals": 2, "period": "Day"},
        **fields,
    }
    return query(api, team, body)["results"]


def cells(rows: list[dict[str, Any]]) -> dict[Any, list[list[int]]]:
    found: dict[Any, list[list[int]]] = {}
    for row in rows:
        found.setdefault(row.get("breakdown_value"), []).append([v["count"] for v in row["values"]])
    return found


def test_retention_with_a_session_filter(api, sessions):  # noqa: F811
    # Pageviews of s1 and s3 only. Day 0: u1, u3; u3 comes back on day 1 (still s3).
    # Day 1's cohort: u3.
    rows = retention(api, sessions, properties=[LONG])
    assert cells(rows)[None] == [[2, 1], [1, 0]]  # rows are rectangular: day 2 is past the range
    # Without the filter: day 0 u1 u2 u3 (u3 back); day 1 u3 u4 u5 u0 u6.
    assert cells(retention(api, sessions))[None] == [[3, 1], [5, 0]]


def test_retention_broken_down_by_a_session_field(api, sessions):  # noqa: F811
    rows = retention(
        api, sessions, breakdownFilter={"breakdown": "$channel_type", "breakdown_type": "session"}
    )
    # Each pageview carries its session's channel: u3's two days are both Paid Social,
    # so it returns within that value; u0 (no session) is the empty value.
    assert cells(rows) == {
        "Paid Social": [[1, 1], [1, 0]],
        "Direct": [[1, 0], [0, 0]],
        "Organic Search": [[1, 0], [0, 0]],
        "Email": [[0, 0], [1, 0]],
        "Referral": [[0, 0], [1, 0]],
        "Paid Search": [[0, 0], [1, 0]],
        "": [[0, 0], [1, 0]],
    }


def test_stickiness_with_a_session_filter(api, sessions):  # noqa: F811
    body = {
        "kind": "StickinessQuery",
        "series": [{**PAGEVIEW, "properties": [LONG]}],
        "dateRange": RANGE,
    }
    # Sessions over 100 s: u1 on 1 day (01-01), u3 on 2 days (s3 spans midnight).
    assert query(api, sessions, body)["results"][0]["data"] == [1, 1]


def test_lifecycle_with_a_session_filter(api, sessions):  # noqa: F811
    body = {
        "kind": "LifecycleQuery",
        "series": [PAGEVIEW],
        "dateRange": RANGE,
        "properties": [LONG],
    }
    results = {r["status"]: r["data"] for r in query(api, sessions, body)["results"]}
    # u1 and u3 are new on 01-01 (persons created by these events); on 01-02 u3 returns
    # (s3 again) and u1 goes dormant.
    assert results == {"new": [2, 0], "returning": [0, 1], "resurrecting": [0, 0], "dormant": [0, -1]}


def test_paths_with_a_session_filter(api, sessions):  # noqa: F811
    body = {
        "kind": "PathsQuery",
        "dateRange": RANGE,
        "pathsFilter": {"includeEventTypes": ["$pageview"]},
        "properties": [LONG],
    }
    edges = {(e["source"], e["target"]): e["value"] for e in query(api, sessions, body)["results"]}
    # s1: /a → /b; s3: /s3-entry → /s3-exit (20 minutes apart, one path).
    assert edges == {
        (f"1_{URL}/a", f"2_{URL}/b"): 1,
        (f"1_{URL}/s3-entry", f"2_{URL}/s3-exit"): 1,
    }


def test_session_breakdown_refusals_name_the_field(api, sessions):  # noqa: F811
    bins = {"breakdown": "$session_duration", "breakdown_type": "session", "breakdown_histogram_bin_count": 2}
    body = {
        "kind": "FunnelsQuery",
        "series": [PAGEVIEW, PAGEVIEW],
        "dateRange": RANGE,
        "breakdownFilter": bins,
    }
    # Funnels have no histogram bins (trends only): refused, not ignored.
    refused = query(api, sessions, body, 400)
    assert refused["type"] == "validation_error"
    assert refused["attr"] == "breakdownFilter__breakdown_histogram_bin_count"
    unknown = {**body, "breakdownFilter": {"breakdown": "$nope", "breakdown_type": "session"}}
    assert query(api, sessions, unknown, 400)["attr"] == "breakdownFilter__breakdown"


def actors(api, team, source: dict[str, Any], **selector: Any) -> list[list[str]]:
    body = {"kind": "ActorsQuery", "source": {**source, **selector}, "select": ["person"]}
    rows = query(api, team, body)["results"]
    return sorted(sorted(row[0]["distinct_ids"]) for row in rows)


def test_actors_behind_session_breakdown_values(api, sessions):  # noqa: F811
    channel = {"breakdown": "$channel_type", "breakdown_type": "session"}
    source = {
        "kind": "FunnelsQuery",
        "series": [PAGEVIEW, PAGEVIEW],
        "dateRange": RANGE,
        "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
        "breakdownFilter": channel,
    }
    funnel_actors = {"kind": "FunnelsActorsQuery", "source": source}
    # Paid Social's one converted person is u3; Email's one drop-off is u4.
    assert actors(api, sessions, funnel_actors, funnelStep=2, funnelStepBreakdown=["Paid Social"]) == [["u3"]]
    assert actors(api, sessions, funnel_actors, funnelStep=-2, funnelStepBreakdown=["Email"]) == [["u4"]]
    retained = {
        "kind": "InsightActorsQuery",
        "source": {
            "kind": "RetentionQuery",
            "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-02"},
            "retentionFilter": {"totalIntervals": 2, "period": "Day"},
            "breakdownFilter": channel,
        },
    }
    # Day 0's Paid Social cohort: u3; day 1's Referral cohort: u5.
    assert actors(api, sessions, retained, interval=0, breakdown="Paid Social") == [["u3"]]
    assert actors(api, sessions, retained, interval=1, breakdown="Referral") == [["u5"]]


def test_session_duration_by_an_event_property(api, sessions):  # noqa: F811
    # Per (breakdown value, session), then the average over those sessions:
    # /a and /b: s1 (240); /s3-entry and /s3-exit: s3 (1200); no URL: s2 0, s4 30, s5 60
    # (its two pageviews once), s6 0 → 22.5 (u0's pageview has no session: ignored).
    body = {
        "kind": "TrendsQuery",
        "series": [{**PAGEVIEW, "math": "avg", "math_property": "$session_duration"}],
        "dateRange": RANGE,
        "breakdownFilter": {"breakdown": "$current_url", "breakdown_type": "event"},
        "trendsFilter": {"display": "ActionsTable"},
    }
    found = {r["breakdown_value"]: r["aggregated_value"] for r in query(api, sessions, body)["results"]}
    assert found == {
        f"{URL}/a": 240,
        f"{URL}/b": 240,
        f"{URL}/s3-entry": 1200,
        f"{URL}/s3-exit": 1200,
        "$$_posthog_breakdown_null_$$": 22.5,
    }


def test_session_filters_in_events_and_hogql_queries(api, sessions):  # noqa: F811
    # Sessions over 100 s: s1's three events (two pageviews, an autocapture) and s3's two.
    events = {
        "kind": "EventsQuery",
        "select": ["event", "distinct_id"],
        "properties": [LONG],
        "after": "2024-01-01",
        "before": "2024-01-03",
    }
    rows = query(api, sessions, events)["results"]
    assert sorted(map(tuple, rows)) == [
        ("$autocapture", "u1"),
        ("$pageview", "u1"),
        ("$pageview", "u1"),
        ("$pageview", "u3"),
        ("$pageview", "u3"),
    ]
    email = {**events, "properties": [{"type": "session", "key": "$channel_type", "value": "Email"}]}
    assert sorted(map(tuple, query(api, sessions, email)["results"])) == [
        ("$pageleave", "u4"),
        ("$pageview", "u4"),
    ]
    hogql = {
        "kind": "HogQLQuery",
        "query": "select count() from events where {filters}",
        "filters": {"properties": [LONG]},
    }
    assert query(api, sessions, hogql)["results"] == [[5]]
