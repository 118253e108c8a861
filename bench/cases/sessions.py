"""Session math and filters over the sessions table, timed beside the plain pageview trend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bench.cases.trends import CASES as TREND_CASES
from bench.cases.trends import RANGE, _params, _query, _rows_answer
from bench.framework import Case, Dataset

# One merged row per session with an event in the range (as the API's join merges them).
SESSIONS = """(
    SELECT session_id, dateDiff('second', min(min_timestamp), max(max_timestamp)) AS duration
    FROM sessions
    WHERE team_id = {team:Int64} AND session_id IN (
        SELECT `$session_id` FROM events AS e
        WHERE e.team_id = {team:Int64}
          AND e.timestamp >= {start:DateTime64(6)} AND e.timestamp <= {end:DateTime64(6)})
    GROUP BY session_id
)"""


# The naive form: each session's duration from its events (no sessions table).
NAIVE_SESSIONS = """(
    SELECT `$session_id` AS session_id,
        dateDiff('second', min(timestamp), max(timestamp)) AS duration
    FROM events
    WHERE team_id = {team:Int64} AND `$session_id` IN (
        SELECT `$session_id` FROM events AS e
        WHERE e.team_id = {team:Int64}
          AND e.timestamp >= {start:DateTime64(6)} AND e.timestamp <= {end:DateTime64(6)})
    GROUP BY session_id
)"""


def _naive(sql: Callable[[Dataset], tuple[str, dict[str, Any]]]):
    def naive(ds: Dataset) -> tuple[str, dict[str, Any]]:
        text, params = sql(ds)
        return text.replace(SESSIONS, NAIVE_SESSIONS), params

    return naive


def _rounded_series(body: dict[str, Any]) -> dict[str, float]:
    # Averages of the same rows summed in another order may differ in the last bits.
    [result] = body["results"]
    return {day: round(float(v), 6) for day, v in zip(result["days"], result["data"], strict=True) if v}


def _rounded_rows(rows: list[list[Any]]) -> dict[str, float]:
    return {day: round(v, 6) for day, v in _rows_answer(rows).items()}


def _duration_sql(ds: Dataset) -> tuple[str, dict[str, Any]]:
    return (
        "SELECT day, avg(s.duration) FROM ("
        "SELECT toDate(toStartOfDay(e.timestamp)) AS day, e.`$session_id` AS sid "
        f"FROM events AS e WHERE {RANGE} AND e.`$session_id` != '' GROUP BY day, sid"
        f") AS d INNER JOIN {SESSIONS} AS s ON d.sid = s.session_id GROUP BY day ORDER BY day",
        _params(ds),
    )


def _filtered_sql(ds: Dataset) -> tuple[str, dict[str, Any]]:
    return (
        "SELECT toDate(toStartOfDay(e.timestamp)) AS day, count() FROM events AS e "
        f"WHERE {RANGE} AND e.`$session_id` IN (SELECT session_id FROM {SESSIONS} WHERE duration > 60) "
        "GROUP BY day ORDER BY day",
        _params(ds),
    )


CASES = [
    # The plain trend again in this module's run, so both are timed on the same machine state.
    replace(TREND_CASES[0], name="sessions (beside): total pageviews per day, 30 days", goal_ratio=None),
    Case(
        name="sessions: average session duration per day ($pageview, per session), 30 days",
        request=lambda ds: _query(ds, series={"math": "avg", "math_property": "$session_duration"}),
        sql=_duration_sql,
        naive=_naive(_duration_sql),
        api_answer=_rounded_series,
        sql_answer=_rounded_rows,
    ),
    Case(
        name="sessions: pageviews of sessions longer than 60 s per day, 30 days",
        request=lambda ds: _query(
            ds,
            properties=[{"type": "session", "key": "$session_duration", "operator": "gt", "value": 60}],
        ),
        sql=_filtered_sql,
        naive=_naive(_filtered_sql),
        api_answer=lambda body: {k: float(v) for k, v in _rounded_series(body).items()},
        sql_answer=_rows_answer,
    ),
]
