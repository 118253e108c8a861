"""Retention matrix SQL: one ClickHouse statement, no per-actor work in Python.

The statement returns one row per (breakdown value, cohort period, lag) with the
number of actors, computed in three stages:

1. events → one row per (actor, breakdown value, period index) with how many
   target and returning events fell in that period;
2. per (actor, breakdown value): the array of cohort periods (every period with
   a target event for recurring retention, only the first-ever one for
   first-time retention) and the sorted array of returning periods;
3. ``ARRAY JOIN`` the cohort periods, then the lags at which the actor came
   back (lag 0 = the cohort itself), and count actors per cell.

Period indexes are whole periods since the window start, computed on the
project's wall clock (Date arithmetic for day/week/month, so daylight-saving
days are one period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from query_engine.sql.params import Params

DATETIME = "DateTime64(6, 'UTC')"
PERIODS = ("Hour", "Day", "Week", "Month")


@dataclass(frozen=True)
class RetentionSql:
    """Everything the builder needs, already compiled to SQL fragments.

    ``source`` is the ``FROM`` clause (events plus any person join); ``where``
    the conditions shared by cohort and return events (team, global
    properties, test accounts); ``target``/``returning`` the entity conditions.
    ``start``/``end`` bound the window (end exclusive) and ``intervals`` is the
    number of periods between them. ``kept_values`` (when set) maps every other
    breakdown value to ``other_value``.
    """

    source: str
    actor: str
    where: str
    target: str
    returning: str
    period: str
    tz: str
    week_start_day: int
    start: datetime
    end: datetime
    intervals: int
    first_time: bool = False
    # First-ever occurrence: the target without its entity properties; the actor's
    # first such event must itself match ``target``.
    target_any: str | None = None
    cumulative: bool = False
    minimum_occurrences: int = 1
    breakdown: str | None = None
    kept_values: tuple[str, ...] | None = None
    other_value: str = ""


def period_index(spec: RetentionSql, params: Params, column: str = "events.timestamp") -> str:
    """Whole periods between the window start and the event's period (may be negative)."""
    tz = params.named("tz", spec.tz, "String")
    start = params.named("window_start", spec.start, DATETIME)
    if spec.period == "Hour":
        # Both sides are hour starts, so the difference is an exact multiple of 3600.
        return f"intDiv(dateDiff('second', {start}, toStartOfHour(toTimeZone({column}, {tz}))), 3600)"
    local_day = f"toDate(toTimeZone({column}, {tz}))"
    start_day = f"toDate(toTimeZone({start}, {tz}))"
    if spec.period == "Day":
        return f"dateDiff('day', {start_day}, {local_day})"
    if spec.period == "Week":
        mode = 3 if spec.week_start_day == 1 else 0  # code-defined literal
        return f"intDiv(dateDiff('day', {start_day}, toStartOfWeek({local_day}, {mode})), 7)"
    return f"dateDiff('month', {start_day}, toStartOfMonth({local_day}))"


def _breakdown_value(spec: RetentionSql, params: Params) -> str:
    if spec.breakdown is None:
        return "''"
    if spec.kept_values is None:
        return spec.breakdown
    kept = params.named("kept_values", list(spec.kept_values), "Array(String)")
    other = params.named("other_value", spec.other_value, "String")
    return f"if(has({kept}, {spec.breakdown}), {spec.breakdown}, {other})"


def _time_filter(spec: RetentionSql, params: Params) -> str:
    start = params.named("window_start", spec.start, DATETIME)
    end = params.named("window_end", spec.end, DATETIME)
    if spec.target_any is not None:
        return (
            f"events.timestamp < {end}\n"
            f"      AND ((events.timestamp >= {start} AND ({spec.returning})) OR ({spec.target_any}))"
        )
    if spec.first_time:
        # The first-ever target event may predate the window: scan target events
        # of all time, returning events only inside it.
        return (
            f"events.timestamp < {end}\n"
            f"      AND ((events.timestamp >= {start} AND ({spec.returning})) OR ({spec.target}))"
        )
    return (
        f"events.timestamp >= {start} AND events.timestamp < {end}\n"
        f"      AND (({spec.target}) OR ({spec.returning}))"
    )


def _starts(spec: RetentionSql) -> str:
    if spec.target_any is not None:
        first_any = "minIf(first_any_at, any_hits > 0)"
        first_target = "minIf(first_target_at, target_hits > 0)"
        period = "argMinIf(period_index, first_target_at, target_hits > 0)"
        starts = f"countIf(target_hits > 0) > 0 AND {first_target} = {first_any} AND {period} >= 0"
        return f"if({starts}, [{period}], [])"
    if spec.first_time:
        first = "arraySlice(arraySort(groupArrayIf(period_index, target_hits > 0)), 1, 1)"
        return f"arrayFilter(p -> p >= 0, {first})"
    return "groupArrayIf(period_index, target_hits > 0)"


def _lags(spec: RetentionSql) -> str:
    later = "arrayMap(r -> r - start_index, arrayFilter(r -> r > start_index, returns))"
    if spec.cumulative:
        # Counted at every lag up to the latest return: "returned at or after lag k".
        return f"range(toUInt64(1 + arrayMax(arrayConcat([0], {later}))))"
    return f"arrayConcat([0], {later})"


def _first_ever_columns(spec: RetentionSql) -> str:
    if spec.target_any is None:
        return ""
    return (
        f",\n        countIf({spec.target_any}) AS any_hits"
        f",\n        minIf(events.timestamp, {spec.target_any}) AS first_any_at"
        f",\n        minIf(events.timestamp, {spec.target}) AS first_target_at"
    )


def retention_sql(spec: RetentionSql, params: Params) -> str:
    """The matrix statement; columns ``breakdown_value, start_index, lag_index, actors``."""
    index = period_index(spec, params)
    minimum = params.named("minimum_occurrences", max(1, spec.minimum_occurrences), "Int64")
    return f"""SELECT breakdown_value, start_index, lag_index, count() AS actors
FROM (
  SELECT breakdown_value, start_index, {_lags(spec)} AS lags
  FROM (
    SELECT actor, breakdown_value,
      {_starts(spec)} AS starts,
      arraySort(groupArrayIf(period_index, return_hits >= {minimum} AND period_index >= 0)) AS returns
    FROM (
      SELECT {spec.actor} AS actor,
        {_breakdown_value(spec, params)} AS breakdown_value,
        {index} AS period_index,
        countIf({spec.target}) AS target_hits,
        countIf({spec.returning}) AS return_hits{_first_ever_columns(spec)}
      {spec.source}
      WHERE {spec.where}
      AND {_time_filter(spec, params)}
      GROUP BY actor, breakdown_value, period_index
    )
    GROUP BY actor, breakdown_value
  )
  ARRAY JOIN starts AS start_index
)
ARRAY JOIN lags AS lag_index
GROUP BY breakdown_value, start_index, lag_index
ORDER BY breakdown_value, start_index, lag_index"""
