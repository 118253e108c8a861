"""Pure SQL snapshots (no database), the timeout mapping, and the server smoke test."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from query_engine.dates import parse_relative, resolve_window, zone
from query_engine.model import Breakdown, PropertyFilter, PropertyGroup, Series
from query_engine.runners.trends.sql import series_query
from query_engine.sql.params import Params
from query_engine.sql.properties import compile_group
from query_engine.sql.series import SeriesRequest
from query_engine.team import TeamContext

NOW = datetime(2021, 8, 25, 0, 0, tzinfo=UTC)
UTC_TZ = zone("UTC")


def test_property_filter_snapshot():
    params = Params()
    group = PropertyGroup(
        "OR",
        (
            PropertyFilter("it's", ["a", "b"], "exact"),
            PropertyFilter("email", "@x.com", "not_icontains", "person"),
        ),
    )
    sql = compile_group(group, params, tz=UTC_TZ, now=NOW)
    value0 = "nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), '')"
    value2 = "nullIf(JSONExtract(person_properties, {p2:String}, 'Nullable(String)'), '')"
    assert (
        sql
        == f"(ifNull({value0} IN {{p1:Array(String)}}, 0) OR ifNull(NOT ({value2} ILIKE {{p3:String}}), 1))"
    )
    assert params.values == {"p0": "it's", "p1": ["a", "b"], "p2": "email", "p3": "%@x.com%"}


def test_total_trend_snapshot():
    team = TeamContext(id=7, timezone="UTC", now=NOW)
    window = resolve_window(date_from="-7d", date_to=None, interval="day", tz=UTC_TZ, now=NOW)
    req = SeriesRequest(
        series=Series("events", "$pageview"),
        team=team,
        interval="day",
        date_from=window.filter_from,
        date_to=window.date_to,
        breakdown=Breakdown("$browser"),
    )
    sql, params = series_query(req)
    assert sql == (
        "SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, breakdown_value, value AS value\n"
        "FROM (\n"
        "SELECT toStartOfDay(toTimeZone(events.timestamp, {tz:String})) AS bucket_start, "
        "ifNull(nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), ''), "
        "{p1:String}) AS breakdown_value, count() AS value\n"
        "FROM events\n"
        "WHERE events.team_id = {team_id:Int64}\n"
        "  AND events.timestamp >= {p4:DateTime64(6, 'UTC')} AND events.timestamp <= {p5:DateTime64(6, 'UTC')}\n"
        "  AND events.event = {p6:String}\n"
        "GROUP BY bucket_start, breakdown_value\n"
        ")"
    )
    assert params["p4"] == datetime(2021, 8, 18, tzinfo=UTC_TZ)
    assert params["p5"] == datetime(2021, 8, 25, 23, 59, 59, 999999, tzinfo=UTC_TZ)
    assert (
        params["p6"] == "$pageview"
        and params["team_id"] == 7
        and params["p1"] == "$$_posthog_breakdown_null_$$"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-24h", datetime(2021, 8, 24, 0, 0)),
        ("-1mStart", datetime(2021, 7, 1)),
        ("mStart", datetime(2021, 8, 1)),
        ("yStart", datetime(2021, 1, 1)),
        ("-1dEnd", datetime(2021, 8, 24, 23, 59, 59, 999999)),
        ("2021-1-5", datetime(2021, 1, 5)),
        ("2021-08-01T10:00:00+02:00", datetime(2021, 8, 1, 8, 0)),
    ],
)
def test_relative_dates(text, expected):
    assert parse_relative(text, tz=UTC_TZ, now=NOW).moment.replace(tzinfo=None) == expected


@pytest.mark.parametrize(
    ("date_from", "interval", "week_start", "days"),
    [
        ("-20h", "day", 0, ["2021-08-24", "2021-08-25"]),
        ("-20d", "week", 0, ["2021-08-01", "2021-08-08", "2021-08-15", "2021-08-22"]),
        ("-20d", "week", 1, ["2021-08-02", "2021-08-09", "2021-08-16", "2021-08-23"]),
        ("-50d", "month", 0, ["2021-07-01", "2021-08-01"]),
        (
            "-3h",
            "hour",
            0,
            ["2021-08-24 21:00:00", "2021-08-24 22:00:00", "2021-08-24 23:00:00", "2021-08-25 00:00:00"],
        ),
    ],
)
def test_buckets(date_from, interval, week_start, days):
    window = resolve_window(
        date_from=date_from, date_to=None, interval=interval, tz=UTC_TZ, now=NOW, week_start_day=week_start
    )
    assert window.days() == days


def test_week_labels_clip_to_range():
    window = resolve_window(date_from="2024-02-26", date_to="2024-03-05", interval="week", tz=UTC_TZ, now=NOW)
    assert window.labels() == ["26-Feb – 2-Mar", "3–5 Mar"]


@pytest.mark.django_db
def test_timeout_is_a_clear_error(settings, clickhouse_schema):
    from insights_api.errors import exception_handler
    from query_engine.errors import QueryTimeout
    from query_engine.runners.common import run_sql

    settings.QUERY_TIMEOUT_SECONDS = {"default": 60, "TrendsQuery": 1}
    with pytest.raises(QueryTimeout) as caught:
        run_sql(
            "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) = 0",
            {},
            timeout_key="TrendsQuery",
        )
    response = exception_handler(caught.value, {})
    assert response.status_code == 504 and response.data["code"] == "query_timeout"
    # the engine is usable right after a timeout (chDB keeps no stale output)
    assert run_sql("SELECT 41 + 1 AS answer", {}, timeout_key="TrendsQuery").rows == [[42]]


@pytest.mark.skipif(
    not os.environ.get("CLICKHOUSE_URL"), reason="CLICKHOUSE_URL is not set: no ClickHouse server"
)
def test_clickhouse_server_smoke(api, team, clickhouse):
    from tests.engine_events import store_events

    store_events(
        api,
        team,
        [{"event": "e", "distinct_id": "a", "timestamp": "2020-01-01T10:00:00Z", "properties": {"k'": "v"}}],
    )
    body = {
        "kind": "TrendsQuery",
        "series": [
            {"kind": "EventsNode", "event": "e", "math": "dau", "properties": [{"key": "k'", "value": "v"}]}
        ],
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-01"},
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.json()["results"][0]["data"] == [1]


@pytest.mark.parametrize(
    ("date_from", "date_to", "now", "expected"),
    [
        # explicit range: Jan 15–19 compares to Jan 10–14
        ("2020-01-15", "2020-01-19", datetime(2020, 1, 24, tzinfo=UTC), ("2020-01-10", "2020-01-14")),
        # -7d at Jan 24: current Jan 17–24, previous Jan 10–17 (PostHog's one-day kludge)
        ("-7d", None, datetime(2020, 1, 24, 12, tzinfo=UTC), ("2020-01-10", "2020-01-17")),
    ],
)
def test_previous_period(date_from, date_to, now, expected):
    from query_engine.model import DateRange, SeriesSpec
    from query_engine.runners.common import previous_window

    spec = SeriesSpec(kind="TrendsQuery", series=(), date_range=DateRange(date_from, date_to))
    window = resolve_window(date_from=date_from, date_to=date_to, interval="day", tz=UTC_TZ, now=now)
    previous = previous_window(spec, window, TeamContext(id=1, timezone="UTC", now=now))
    assert (previous.date_from.date().isoformat(), previous.date_to.date().isoformat()) == expected
    assert previous.date_to.time() == window.date_to.time()


def test_bold_number_range_is_exact():
    window = resolve_window(
        date_from="-7d", date_to=None, interval="day", tz=UTC_TZ, now=NOW, exact_timerange=True
    )
    assert window.date_to == NOW and window.filter_from == window.date_from
