"""Retention SQL builder: exact SQL + params snapshots, and the pure window/result helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from insights_api.errors import QueryError
from query_engine.runners.retention.results import cohort_rows, matrices, ranked_values, triangular
from query_engine.runners.retention.sql import RetentionSql, period_index, retention_sql
from query_engine.runners.retention.window import retention_window
from query_engine.sql.params import Params

EXPECTED = """SELECT breakdown_value, start_index, lag_index, count() AS actors
FROM (
  SELECT breakdown_value,
    arrayFilter((p, n) -> n >= {minimum_occurrences:Int64}, sumMapIf([period_index], [toUInt64(1)], is_return AND period_index >= 0).1, sumMapIf([period_index], [toUInt64(1)], is_return AND period_index >= 0).2) AS returns,
    groupUniqArrayIf(period_index, is_target) AS starts
  FROM (
    SELECT events.person_id AS actor,
      if(has({kept_values:Array(String)}, ifNull(b, '')), ifNull(b, ''), {other_value:String}) AS breakdown_value,
      dateDiff('day', toDate(toTimeZone({window_start:DateTime64(6, 'UTC')}, {tz:String})), toDate(toTimeZone(events.timestamp, {tz:String}))) AS period_index,
      events.event = {p0:String} AS is_target,
      events.event = {p1:String} AS is_return
    FROM events
    WHERE events.team_id = {team_id:Int64}
    AND events.timestamp >= {window_start:DateTime64(6, 'UTC')} AND events.timestamp < {window_end:DateTime64(6, 'UTC')}
    AND ((events.event = {p0:String}) OR (events.event = {p1:String}))
  )
  GROUP BY actor, breakdown_value
)
ARRAY JOIN starts AS start_index
ARRAY JOIN arrayConcat([0], arrayMap(r -> r - start_index, arrayFilter(r -> r > start_index, returns))) AS lag_index
GROUP BY breakdown_value, start_index, lag_index
ORDER BY breakdown_value, start_index, lag_index"""


def spec() -> RetentionSql:
    return RetentionSql(
        source="FROM events",
        actor="events.person_id",
        where="events.team_id = {team_id:Int64}",
        target="events.event = {p0:String}",
        returning="events.event = {p1:String}",
        period="Day",
        tz="Europe/Paris",
        week_start_day=0,
        start=datetime(2020, 6, 10, tzinfo=UTC),
        end=datetime(2020, 6, 17, tzinfo=UTC),
        intervals=7,
        breakdown="ifNull(b, '')",
        kept_values=("Chrome",),
        other_value="$$_posthog_breakdown_other_$$",
        minimum_occurrences=2,
    )


def test_recurring_day_breakdown_snapshot():
    params = Params()
    assert retention_sql(spec(), params) == EXPECTED
    assert params.values == {
        "tz": "Europe/Paris",
        "window_start": datetime(2020, 6, 10, tzinfo=UTC),
        "minimum_occurrences": 2,
        "kept_values": ["Chrome"],
        "other_value": "$$_posthog_breakdown_other_$$",
        "window_end": datetime(2020, 6, 17, tzinfo=UTC),
    }


def test_first_time_scans_target_events_of_all_time():
    sql = retention_sql(replace(spec(), first_time=True, breakdown=None), Params())
    assert (
        "if(countIf(is_target) > 0 AND minIf(period_index, is_target) >= 0, [minIf(period_index, is_target)], [])"
        " AS starts"
    ) in sql
    assert (
        "AND ((events.timestamp >= {window_start:DateTime64(6, 'UTC')} AND (events.event = {p1:String}))"
        " OR (events.event = {p0:String}))"
    ) in sql
    assert "'' AS breakdown_value" in sql


def test_first_ever_occurrence_compares_the_first_unfiltered_target():
    sql = retention_sql(replace(spec(), target_any="events.event = {p2:String}"), Params())
    assert "events.event = {p2:String} AS is_any" in sql
    assert "minIf(at, is_target) = minIf(at, is_any)" in sql


def test_one_entity_shares_the_array_of_active_periods():
    same = replace(spec(), returning="events.event = {p0:String}", minimum_occurrences=1, breakdown=None)
    sql = retention_sql(same, Params())
    assert "arraySort(groupUniqArray(period_index)) AS returns,\n    returns AS starts" in sql
    assert (
        "ARRAY JOIN returns AS start_index\nARRAY JOIN returns AS return_index\nWHERE return_index >= start_index"
        in sql
    )
    assert "'' AS breakdown_value" in sql and "GROUP BY actor\n" in sql
    assert "is_target AS is_return" in sql
    assert "AND (events.event = {p0:String})\n" in sql


def test_cumulative_lags_run_to_the_latest_return():
    sql = retention_sql(replace(spec(), cumulative=True), Params())
    assert "range(toUInt64(1 + arrayMax(arrayConcat([0], arrayMap(" in sql


@pytest.mark.parametrize(
    ("period", "week_start_day", "expected"),
    [
        (
            "Hour",
            0,
            "intDiv(dateDiff('second', {window_start:DateTime64(6, 'UTC')}, "
            "toStartOfHour(toTimeZone(events.timestamp, {tz:String}))), 3600)",
        ),
        (
            "Week",
            1,
            "intDiv(dateDiff('day', toDate(toTimeZone({window_start:DateTime64(6, 'UTC')}, {tz:String})), "
            "toStartOfWeek(toDate(toTimeZone(events.timestamp, {tz:String})), 3)), 7)",
        ),
        (
            "Month",
            0,
            "dateDiff('month', toDate(toTimeZone({window_start:DateTime64(6, 'UTC')}, {tz:String})), "
            "toStartOfMonth(toDate(toTimeZone(events.timestamp, {tz:String}))))",
        ),
    ],
)
def test_period_index_per_period(period, week_start_day, expected):
    assert period_index(replace(spec(), period=period, week_start_day=week_start_day), Params()) == expected


def test_window_from_date_to_and_total_intervals():
    tz = ZoneInfo("UTC")
    now = datetime(2020, 6, 20, 15, tzinfo=UTC)
    window = retention_window(
        period="Day",
        total_intervals=3,
        date_from=None,
        date_to="2020-06-16",
        tz=tz,
        now=now,
        week_start_day=0,
    )
    assert window.periods == (datetime(2020, 6, 14), datetime(2020, 6, 15), datetime(2020, 6, 16))
    assert window.end_utc == datetime(2020, 6, 17, tzinfo=UTC)
    # No date_to: the current period is the last cohort.
    window = retention_window(
        period="Week", total_intervals=2, date_from=None, date_to=None, tz=tz, now=now, week_start_day=0
    )
    assert window.periods == (datetime(2020, 6, 7), datetime(2020, 6, 14))
    # date_from given: cohorts from its period start up to date_to's period.
    window = retention_window(
        period="Month",
        total_intervals=8,
        date_from="2020-01-20",
        date_to="2020-03-02",
        tz=tz,
        now=now,
        week_start_day=0,
    )
    assert window.periods == (datetime(2020, 1, 1), datetime(2020, 2, 1), datetime(2020, 3, 1))


def test_window_refuses_an_empty_or_huge_range():
    tz, now = ZoneInfo("UTC"), datetime(2020, 6, 20, tzinfo=UTC)
    with pytest.raises(QueryError):
        retention_window(
            period="Day",
            total_intervals=3,
            date_from="2020-07-01",
            date_to="2020-06-01",
            tz=tz,
            now=now,
            week_start_day=0,
        )
    with pytest.raises(QueryError):
        retention_window(
            period="Hour",
            total_intervals=3,
            date_from="2010-01-01",
            date_to="2020-06-01",
            tz=tz,
            now=now,
            week_start_day=0,
        )


def test_rows_and_triangular_shape():
    found = matrices([("", 0, 0, 2), ("", 0, 1, 1), ("", 1, 0, 3), ("", 1, 5, 9)], 2)
    # (1, 5) is outside a 2-interval window and is ignored.
    assert found == {"": [[2, 1], [3, 0]]}
    rows = cohort_rows(
        found[""], period="Day", periods=[datetime(2020, 6, 10), datetime(2020, 6, 11)], tz=UTC
    )
    assert rows[1] == {
        "label": "Day 1",
        "date": "2020-06-11T00:00:00Z",
        "values": [{"count": 3, "label": "Day 0"}, {"count": 0, "label": "Day 1"}],
    }
    assert [row["values"] for row in triangular(rows)] == [
        [{"count": 2, "people": []}, {"count": 1, "people": []}],
        [{"count": 3, "people": []}],
    ]


def test_breakdown_values_rank_by_cohort_size_then_value():
    found = {"b": [[2, 0], [1, 0]], "a": [[3, 0], [0, 0]], "c": [[1, 0], [0, 0]]}
    assert ranked_values(found) == ["a", "b", "c"]
