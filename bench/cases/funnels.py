"""Funnels: a 3-step and a 5-step ordered funnel over the demo events, 14-day window.

The hand-written SQL is the leanest query we know for the same answer (step
counts and mean conversion times under PostHog's matching rules: restart on a
later step 1, window from step 1, first attempt to reach the deepest step):
per person one sorted array of ``(time, step mask)`` and, per step, the start
of the latest attempt that reached it, carried forward with ``arrayFill``.
ClickHouse's ``windowFunnel`` gives no conversion times (and lets one event
satisfy two consecutive steps), so it is not the same answer; the last case
compares the API with the naive ``windowFunnel`` query a ClickHouse user would
write (no person-override join, step counts only) on the counts alone; that query
is every funnel case's naive SQL.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bench.framework import Case, Dataset

WINDOW_SECONDS = 14 * 86400
THREE = ["$pageview", "signed_up", "purchase"]
FIVE = ["$pageview", "signed_up", "file uploaded", "file shared", "purchase"]
OVERRIDES = """LEFT JOIN (
    SELECT distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides WHERE team_id = {team:Int64}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0
) AS o ON e.distinct_id = o.distinct_id"""


def _params(ds: Dataset, steps: list[str]) -> dict[str, Any]:
    return {
        "team": ds.team_id,
        "start": datetime.combine(ds.first_day, time.min),
        "end": datetime.combine(ds.last_day, time.max),
        "steps": steps,
        **{f"s{i}": name for i, name in enumerate(steps)},
    }


def _request(ds: Dataset, steps: list[str]) -> tuple[str, str, dict[str, Any]]:
    node = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": name} for name in steps],
        "dateRange": {"date_from": ds.first_day.isoformat(), "date_to": ds.last_day.isoformat()},
        "funnelsFilter": {"funnelWindowInterval": 14, "funnelWindowIntervalUnit": "day"},
    }
    return "POST", "query/", {"query": node, "refresh": "force_blocking"}


def _hand_sql(steps: list[str]) -> str:
    n = len(steps)
    mask = " + ".join(f"if(e.event = {{s{i}:String}}, {1 << i}, 0)" for i in range(n))
    c = ["arrayMap((m, t) -> if(bitTest(m, 0), t, 0.), ms, ts)"]
    a = ["arrayFill(x -> x > 0, c1)"]
    for k in range(2, n + 1):
        c.append(
            f"arrayMap((m, p, t) -> if(bitTest(m, {k - 1}) AND p > 0 AND t - p <= {WINDOW_SECONDS}, p, 0.),"
            f" ms, arrayPopBack(arrayPushFront(a{k - 1}, 0.)), ts)"
        )
        a.append(f"arrayFill(x -> x > 0, c{k})")
    arrays = ",\n    ".join(f"{c[i]} AS c{i + 1}, {a[i]} AS a{i + 1}" for i in range(n))
    depth = (
        "greatest(" + ", ".join(f"if(arrayExists(x -> x > 0, c{k}), {k}, 0)" for k in range(1, n + 1)) + ")"
    )
    first = f"arrayFilter(x -> x > 0, [{', '.join(f'c{k}' for k in range(1, n + 1))}][d])[1]"
    stamps = ", ".join(["s0"] + [f"ts[arrayFirstIndex(x -> x = s0, c{k})]" for k in range(2, n + 1)])
    counts = ", ".join(f"countIf(d >= {k})" for k in range(1, n + 1))
    # The API also reports the median of each step's conversion times, so this computes it too.
    times = ", ".join(
        f"avgIf(st[{k + 1}] - st[{k}], d >= {k + 1} AND st[{k + 1}] > st[{k}]),"
        f" medianIf(st[{k + 1}] - st[{k}], d >= {k + 1} AND st[{k + 1}] > st[{k}])"
        for k in range(1, n)
    )
    return f"""
SELECT {counts}, {times}
FROM (
  SELECT arraySort(groupArray((toFloat64(toUnixTimestamp64Micro(e.timestamp)) / 1000000,
      toUInt64({mask})))) AS ev,
    arrayMap(x -> x.1, ev) AS ts, arrayMap(x -> x.2, ev) AS ms,
    {arrays},
    {depth} AS d, {first} AS s0, [{stamps}] AS st
  FROM events AS e {OVERRIDES}
  WHERE e.team_id = {{team:Int64}} AND e.event IN {{steps:Array(String)}}
    AND e.timestamp >= {{start:DateTime64(6)}} AND e.timestamp <= {{end:DateTime64(6)}}
  GROUP BY if(o.distinct_id != '', o.override_person_id, e.person_id)
)"""


def _naive_window_funnel(steps: list[str]) -> str:
    conditions = ", ".join(f"e.event = {{s{i}:String}}" for i in range(len(steps)))
    counts = ", ".join(f"countIf(level >= {k})" for k in range(1, len(steps) + 1))
    micros = "toUInt64(toUnixTimestamp64Micro(e.timestamp))"
    return f"""
SELECT {counts}
FROM (
  SELECT windowFunnel({WINDOW_SECONDS * 1_000_000})({micros}, {conditions}) AS level
  FROM events AS e
  WHERE e.team_id = {{team:Int64}} AND e.event IN {{steps:Array(String)}}
    AND e.timestamp >= {{start:DateTime64(6)}} AND e.timestamp <= {{end:DateTime64(6)}}
  GROUP BY e.person_id
)"""


def _naive(ds: Dataset, steps: list[str]) -> tuple[str, dict[str, Any]]:
    return _naive_window_funnel(steps), _params(ds, steps)


def _api_counts(body: dict[str, Any]) -> tuple[int, ...]:
    return tuple(s["count"] for s in body["results"])


def _row_counts(rows: list[list[Any]]) -> tuple[int, ...]:
    return tuple(int(v) for v in rows[0])


def _api_answer(body: dict[str, Any]) -> tuple:
    steps = body["results"]
    times = [round(s["average_conversion_time"] or 0.0, 1) for s in steps[1:]]
    return tuple(s["count"] for s in steps), tuple(times)


def _sql_answer(n: int):
    def answer(rows: list[list[Any]]) -> tuple:
        row = rows[0]
        times = [round(float(v or 0.0), 1) for v in row[n::2]]  # means; medians are approximate
        return tuple(int(v) for v in row[:n]), tuple(times)

    return answer


CASES = [
    Case(
        name=f"funnels: {len(steps)}-step ordered funnel, 14-day window, 30 days",
        request=lambda ds, steps=steps: _request(ds, steps),
        sql=lambda ds, steps=steps: (_hand_sql(steps), _params(ds, steps)),
        api_answer=_api_answer,
        sql_answer=_sql_answer(len(steps)),
        goal_ratio=1.3,
        naive=lambda ds, steps=steps: _naive(ds, steps),
        naive_answer=_row_counts,
        naive_api_answer=_api_counts,
    )
    for steps in (THREE, FIVE)
] + [
    Case(
        name="funnels: 3-step ordered funnel vs naive windowFunnel (counts; no override join), 14-day window",
        request=lambda ds: _request(ds, THREE),
        sql=lambda ds: _naive(ds, THREE),
        api_answer=_api_counts,
        sql_answer=_row_counts,
        goal_ratio=1.5,
        naive=lambda ds: _naive(ds, THREE),
    )
]
