"""A small week of events and one saved insight per chart kind, for the shared-page tests.

Week: 2024-01-01 (day 0) … 2024-01-07 (day 6), UTC. Each person's day is a list of
(minute after 10:00, event, path); ``$pageview`` rows carry ``$current_url`` for paths.
Pageviews per day: d0 4, d1 3, d2 5, d3 2, d4 0, d5 2, d6 1 (17 in the week).
"""

from __future__ import annotations

from typing import Any

DATE_RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-07"}
DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07"]
PAGEVIEWS_PER_DAY = [4, 3, 5, 2, 0, 2, 1]

ACTIVITY: dict[str, dict[int, list[tuple[int, str, str | None]]]] = {
    "u1": {
        0: [
            (0, "$pageview", "/"),
            (1, "$pageview", "/pricing"),
            (2, "signed up", None),
            (30, "purchased", None),
        ],
        1: [(0, "$pageview", "/")],
        3: [(0, "$pageview", "/")],
    },
    "u2": {
        0: [(60, "$pageview", "/"), (61, "$pageview", "/signup"), (62, "signed up", None)],
        2: [(0, "$pageview", "/"), (120, "purchased", None)],
    },
    "u3": {
        1: [(0, "$pageview", "/"), (1, "$pageview", "/pricing")],
        2: [(0, "$pageview", "/")],
        4: [(0, "signed up", None)],
    },
    "u4": {
        2: [
            (0, "$pageview", "/"),
            (1, "$pageview", "/pricing"),
            (2, "$pageview", "/signup"),
            (3, "signed up", None),
        ],
        5: [(0, "$pageview", "/")],
    },
    "u5": {3: [(0, "$pageview", "/")], 6: [(0, "$pageview", "/")]},
    "u6": {5: [(0, "$pageview", "/"), (1, "signed up", None), (61, "purchased", None)]},
}


def week_events() -> list[dict[str, Any]]:
    events = []
    for person, days in ACTIVITY.items():
        for day, rows in days.items():
            for minute, event, path in rows:
                hour, minute = divmod(600 + minute, 60)
                properties = {"$current_url": f"https://shop.example.com{path}"} if path else {}
                properties["$browser"] = "Chrome" if person in ("u1", "u3", "u5") else "Safari"
                events.append(
                    {
                        "event": event,
                        "distinct_id": person,
                        "timestamp": f"{DAYS[day]}T{hour:02d}:{minute:02d}:00Z",
                        "properties": properties,
                    }
                )
    return events


def _trends(display: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "TrendsQuery",
        "series": [
            {"kind": "EventsNode", "event": "$pageview", "name": "$pageview", "math": "total"},
            {"kind": "EventsNode", "event": "signed up", "name": "signed up", "math": "total"},
        ],
        "interval": "day",
        "dateRange": DATE_RANGE,
        "trendsFilter": {"display": display},
        **extra,
    }


def _funnel(viz: str) -> dict[str, Any]:
    return {
        "kind": "FunnelsQuery",
        "series": [
            {"kind": "EventsNode", "event": "$pageview", "name": "$pageview"},
            {"kind": "EventsNode", "event": "signed up", "name": "signed up"},
            {"kind": "EventsNode", "event": "purchased", "name": "purchased"},
        ],
        "interval": "day",
        "dateRange": DATE_RANGE,
        "funnelsFilter": {
            "funnelVizType": viz,
            "funnelWindowInterval": 14,
            "funnelWindowIntervalUnit": "day",
        },
    }


# kind name → the insight's source query (saved inside an InsightVizNode)
SOURCES: dict[str, dict[str, Any]] = {
    "trends-line": _trends("ActionsLineGraph"),
    "trends-bar": _trends("ActionsBar"),
    "trends-area": _trends("ActionsAreaGraph"),
    "trends-cumulative": _trends("ActionsLineGraphCumulative"),
    "trends-number": {**_trends("BoldNumber"), "series": _trends("BoldNumber")["series"][:1]},
    "trends-pie": _trends("ActionsPie"),
    "trends-table": _trends("ActionsTable"),
    "funnel-steps": _funnel("steps"),
    "funnel-trends": _funnel("trends"),
    "funnel-time-to-convert": _funnel("time_to_convert"),
    "retention": {
        "kind": "RetentionQuery",
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-07"},
        "retentionFilter": {
            "period": "Day",
            "totalIntervals": 7,
            "targetEntity": {"id": "$pageview", "type": "events"},
            "returningEntity": {"id": "$pageview", "type": "events"},
            "retentionType": "retention_first_time",
        },
    },
    "paths": {
        "kind": "PathsQuery",
        "dateRange": DATE_RANGE,
        "pathsFilter": {"includeEventTypes": ["$pageview"], "stepLimit": 4},
    },
    "stickiness": {
        "kind": "StickinessQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "name": "$pageview"}],
        "interval": "day",
        "dateRange": DATE_RANGE,
    },
    "lifecycle": {
        "kind": "LifecycleQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "name": "$pageview"}],
        "interval": "day",
        "dateRange": DATE_RANGE,
    },
}


def insight_body(kind: str) -> dict[str, Any]:
    return {"name": f"Chart {kind}", "query": {"kind": "InsightVizNode", "source": SOURCES[kind]}}
