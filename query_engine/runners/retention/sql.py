"""Retention matrix SQL: one ClickHouse statement, no per-actor work in Python.

The statement returns one row per (breakdown value, cohort period, lag) with the
number of actors, computed in three stages:

1. events → ``(actor, breakdown value, period index, is target, is return)``,
   every expression evaluated once per event;
2. one aggregation per (actor, breakdown value): the array of cohort periods
   (every period with a target event for recurring retention, only the
   first-ever one for first-time retention) and the sorted array of periods
   with enough returning events;
3. ``ARRAY JOIN`` the cohort periods, then the lags at which the actor came
   back (lag 0 = the cohort itself), and count actors per cell; with one
   entity for both roles this is the pairs of active periods.

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
            f"    AND ((events.timestamp >= {start} AND ({spec.returning})) OR ({spec.target_any}))"
        )
    if spec.first_time:
        # The first-ever target event may predate the window: scan target events
        # of all time, returning events only inside it.
        return (
            f"events.timestamp < {end}\n"
            f"    AND ((events.timestamp >= {start} AND ({spec.returning})) OR ({spec.target}))"
        )
    either = (
        f"({spec.target})" if spec.target == spec.returning else f"(({spec.target}) OR ({spec.returning}))"
    )
    return f"events.timestamp >= {start} AND events.timestamp < {end}\n    AND {either}"


def _starts(spec: RetentionSql) -> str:
    """The actor's cohort periods: every active one, or the first-ever one if in the window."""
    if spec.target_any is not None:
        period = "argMinIf(period_index, at, is_target)"
        first_matches = "minIf(at, is_target) = minIf(at, is_any)"
        return f"if(countIf(is_target) > 0 AND {first_matches} AND {period} >= 0, [{period}], [])"
    if spec.first_time:
        period = "minIf(period_index, is_target)"
        return f"if(countIf(is_target) > 0 AND {period} >= 0, [{period}], [])"
    if _same_entity(spec):
        return "returns"  # every active period is also a return period
    return "groupUniqArrayIf(period_index, is_target)"


def _same_entity(spec: RetentionSql) -> bool:
    """Recurring retention of one entity: one array of active periods serves both roles."""
    return (
        spec.target == spec.returning
        and spec.minimum_occurrences <= 1
        and not spec.first_time
        and spec.target_any is None
    )


def _returns(spec: RetentionSql, params: Params) -> str:
    """Sorted periods (in the window) in which the actor came back often enough."""
    if _same_entity(spec):
        # The WHERE clause already keeps only target events inside the window.
        return "arraySort(groupUniqArray(period_index))"
    if spec.minimum_occurrences <= 1:
        return "arraySort(groupUniqArrayIf(period_index, is_return AND period_index >= 0))"
    minimum = params.named("minimum_occurrences", spec.minimum_occurrences, "Int64")
    # sumMap gives (sorted periods, events per period) in one pass.
    per_period = "sumMapIf([period_index], [toUInt64(1)], is_return AND period_index >= 0)"
    return f"arrayFilter((p, n) -> n >= {minimum}, {per_period}.1, {per_period}.2)"


def _lags(spec: RetentionSql) -> str:
    later = "arrayMap(r -> r - start_index, arrayFilter(r -> r > start_index, returns))"
    if spec.cumulative:
        # Counted at every lag up to the latest return: "returned at or after lag k".
        return f"range(toUInt64(1 + arrayMax(arrayConcat([0], {later}))))"
    return f"arrayConcat([0], {later})"


def _event_columns(spec: RetentionSql, params: Params) -> str:
    columns = [f"{spec.actor} AS actor"]
    if spec.breakdown is not None:
        columns.append(f"{_breakdown_value(spec, params)} AS breakdown_value")
    columns += [f"{period_index(spec, params)} AS period_index", f"{spec.target} AS is_target"]
    columns.append(
        "is_target AS is_return" if spec.returning == spec.target else f"{spec.returning} AS is_return"
    )
    if spec.target_any is not None:
        columns += [f"{spec.target_any} AS is_any", "events.timestamp AS at"]
    return ",\n      ".join(columns)


def _lag_join(spec: RetentionSql) -> tuple[str, str, str]:
    """(ARRAY JOIN clauses, lag expression, WHERE) turning an actor's arrays into matrix cells."""
    if _same_entity(spec) and not spec.cumulative:
        # Every pair (cohort period, later-or-same active period) is one cell.
        return (
            "ARRAY JOIN returns AS start_index\nARRAY JOIN returns AS return_index",
            "return_index - start_index",
            "\nWHERE return_index >= start_index",
        )
    return f"ARRAY JOIN starts AS start_index\nARRAY JOIN {_lags(spec)} AS lag_index", "lag_index", ""


def retention_sql(spec: RetentionSql, params: Params) -> str:
    """The matrix statement; columns ``breakdown_value, start_index, lag_index, actors``."""
    # Without a breakdown the actor alone is the grouping key (cheaper than a constant column).
    keys = "actor" if spec.breakdown is None else "actor, breakdown_value"
    value = "'' AS breakdown_value" if spec.breakdown is None else "breakdown_value"
    joins, lag, where = _lag_join(spec)
    lag = lag if lag == "lag_index" else f"{lag} AS lag_index"
    return f"""SELECT breakdown_value, start_index, {lag}, count() AS actors
FROM (
  SELECT {value},
    {_returns(spec, params)} AS returns,
    {_starts(spec)} AS starts
  FROM (
    SELECT {_event_columns(spec, params)}
    {spec.source}
    WHERE {spec.where}
    AND {_time_filter(spec, params)}
  )
  GROUP BY {keys}
)
{joins}{where}
GROUP BY breakdown_value, start_index, lag_index
ORDER BY breakdown_value, start_index, lag_index"""


def retention_actors_sql(spec: RetentionSql, params: Params, interval: int, breakdown: str | None) -> str:
    """Actors mode: the cohort of start period ``interval`` (its lag-0 cell), one row per actor
    with ``appearances``: the lags at which the actor was counted in that row."""
    keys = "actor" if spec.breakdown is None else "actor, breakdown_value"
    value = "'' AS breakdown_value" if spec.breakdown is None else "breakdown_value"
    start = params.add(interval, "Int64")
    condition = f"has(starts, {start})"
    if breakdown is not None:
        condition += f" AND breakdown_value = {params.add(breakdown)}"
    later = f"arrayMap(r -> r - {start}, arrayFilter(r -> r > {start}, returns))"
    lags = (
        f"range(toUInt64(1 + arrayMax(arrayConcat([0], {later}))))"
        if spec.cumulative
        else f"arrayConcat([0], {later})"
    )
    appearances = f"arraySort(groupUniqArrayArray(arrayMap(x -> toInt64(x), {lags})))"
    return f"""SELECT actor AS actor_id, {appearances} AS appearances
FROM (
  SELECT actor, {value},
    {_returns(spec, params)} AS returns,
    {_starts(spec)} AS starts
  FROM (
    SELECT {_event_columns(spec, params)}
    {spec.source}
    WHERE {spec.where}
    AND {_time_filter(spec, params)}
  )
  GROUP BY {keys}
)
WHERE {condition}
GROUP BY actor_id"""
