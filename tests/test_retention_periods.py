"""Retention by Hour, Week (both week starts), Month and in a non-UTC project; counts by hand."""

from __future__ import annotations

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db

URL = "/api/projects/{team}/insights/retention/"


def counts(response) -> list[list[int]]:
    assert response.status_code == 200, response.content
    return [[value["count"] for value in row["values"]] for row in response.json()["result"]]


def visits(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"event": "$pageview", "distinct_id": person, "timestamp": at} for person, at in pairs]


def test_hour_periods(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        visits(
            [
                ("p1", "2020-06-10T02:10:00Z"),
                ("p1", "2020-06-10T03:30:00Z"),
                ("p1", "2020-06-10T05:59:00Z"),
                ("p2", "2020-06-10T03:05:00Z"),
                ("p2", "2020-06-10T04:00:00Z"),
                ("p2", "2020-06-10T04:59:00Z"),
                ("p2", "2020-06-10T06:00:00Z"),  # after the window (ends 06:00)
            ]
        ),
    )
    response = api.get(
        URL.format(team=team.id), {"period": "hour", "date_to": "2020-06-10 05:00:00", "total_intervals": 4}
    )
    # Hours 02, 03, 04, 05. 02 {p1}: back 03, 05 → 1,1,0,1 ; 03 {p1,p2}: 04 p2, 05 p1 → 2,1,1
    # 04 {p2}: nothing in 05 → 1,0 ; 05 {p1} → 1
    assert counts(response) == [[1, 1, 0, 1], [2, 1, 1], [1, 0], [1]]
    assert response.json()["result"][1]["date"] == "2020-06-10T03:00:00Z"
    assert response.json()["result"][1]["label"] == "Hour 1"


WEEK_EVENTS = [
    ("p1", "2020-06-15T10:00:00Z"),  # Monday
    ("p1", "2020-06-22T10:00:00Z"),  # Monday
    ("p1", "2020-06-30T10:00:00Z"),  # Tuesday
    ("p2", "2020-06-20T10:00:00Z"),  # Saturday
    ("p2", "2020-06-29T10:00:00Z"),  # Monday
    ("p3", "2020-06-13T10:00:00Z"),  # Saturday
    ("p3", "2020-06-21T10:00:00Z"),  # Sunday
]


def test_week_periods_start_on_sunday(api, team, client, clickhouse):
    capture_events(client, team, visits(WEEK_EVENTS))
    response = api.get(
        URL.format(team=team.id), {"period": "Week", "date_to": "2020-06-30", "total_intervals": 3}
    )
    # Sunday weeks 06-14, 06-21, 06-28. w0 {p1 (15th), p2 (20th)}: w1 p1, w2 p1 p2 → 2,1,2
    # w1 {p1, p3 (21st)}: w2 p1 → 2,1 ; w2 {p1, p2} → 2. p3's 13th is in week 06-07 (outside).
    assert counts(response) == [[2, 1, 2], [2, 1], [2]]
    assert response.json()["result"][0]["date"] == "2020-06-14T00:00:00Z"
    assert response.json()["result"][0]["label"] == "Week 0"


def test_week_periods_start_on_monday(api, team, client, clickhouse):
    team.week_start_day = 1
    team.save()
    capture_events(client, team, visits(WEEK_EVENTS))
    response = api.get(
        URL.format(team=team.id), {"period": "Week", "date_to": "2020-06-30", "total_intervals": 3}
    )
    # Monday weeks 06-15, 06-22, 06-29. w0 {p1, p2 (20th), p3 (Sunday 21st)}: w1 p1, w2 p1 p2 → 3,1,2
    # w1 {p1}: w2 p1 → 1,1 ; w2 {p1, p2} → 2
    assert counts(response) == [[3, 1, 2], [1, 1], [2]]
    assert response.json()["result"][0]["date"] == "2020-06-15T00:00:00Z"


def test_month_periods(api, team, client, clickhouse):
    capture_events(
        client,
        team,
        visits(
            [
                ("p1", "2020-01-31T23:30:00Z"),
                ("p1", "2020-02-01T00:10:00Z"),
                ("p1", "2020-03-10T10:00:00Z"),
                ("p2", "2020-02-15T10:00:00Z"),
                ("p2", "2020-03-01T10:00:00Z"),
            ]
        ),
    )
    response = api.get(
        URL.format(team=team.id), {"period": "Month", "date_to": "2020-03-15", "total_intervals": 3}
    )
    # Jan {p1}: Feb, Mar → 1,1,1 ; Feb {p1, p2}: Mar both → 2,2 ; Mar {p1, p2} → 2
    assert counts(response) == [[1, 1, 1], [2, 2], [2]]
    assert [row["date"] for row in response.json()["result"]] == [
        "2020-01-01T00:00:00Z",
        "2020-02-01T00:00:00Z",
        "2020-03-01T00:00:00Z",
    ]


def test_periods_follow_the_project_timezone(api, team, client, clickhouse):
    team.timezone = "America/New_York"
    team.save()
    capture_events(
        client,
        team,
        visits(
            [
                ("p1", "2020-06-11T02:00:00Z"),  # 06-10 22:00 in New York
                ("p1", "2020-06-11T14:00:00Z"),  # 06-11 10:00
                ("p2", "2020-06-11T03:59:00Z"),  # 06-10 23:59
                ("p2", "2020-06-12T04:00:00Z"),  # 06-12 00:00
            ]
        ),
    )
    response = api.get(URL.format(team=team.id), {"date_to": "2020-06-12", "total_intervals": 3})
    # Local days 06-10 {p1, p2}: 06-11 p1, 06-12 p2 → 2,1,1 ; 06-11 {p1} → 1,0 ; 06-12 {p2} → 1.
    # (In UTC the same events would all fall on 06-11 and 06-12.)
    assert counts(response) == [[2, 1, 1], [1, 0], [1]]
    body = response.json()
    assert body["timezone"] == "America/New_York"
    assert body["result"][0]["date"] == "2020-06-10T00:00:00-04:00"
