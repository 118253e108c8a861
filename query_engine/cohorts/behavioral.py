"""Behavioural cohort criteria: who did an event (or action) in a recent window.

Supported ``value``s: ``performed_event`` (at least once in the last ``time_value``
``time_interval``s) and ``performed_event_multiple`` (``operator`` gte/lte/exact/eq
``operator_value`` times). Only persons with at least one matching event in the window
are counted (so ``lte`` never matches someone who never did it). Other criteria are
refused with a 400 rather than approximated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from query_engine.errors import QueryError
from query_engine.model import EMPTY_GROUP, PropertyGroup
from query_engine.nodes import parse_properties

# time_interval → ClickHouse interval function (code-defined, never from the request).
INTERVALS = {
    "hour": "toIntervalHour",
    "day": "toIntervalDay",
    "week": "toIntervalWeek",
    "month": "toIntervalMonth",
    "year": "toIntervalYear",
}
COUNT_OPERATORS = {"gte": ">=", "lte": "<=", "exact": "=", "eq": "="}
SUPPORTED = ("performed_event", "performed_event_multiple")
LEGACY_DEFAULT_DAYS = 365
MAX_TIME_VALUE = 100_000


@dataclass(frozen=True)
class Behavioral:
    event: str | None = None  # event name (event_type "events")
    action_id: int | None = None  # or a saved action's id (event_type "actions")
    time_value: int = 30
    time_interval: str = "day"
    operator: str = "gte"
    count: int = 1
    event_filters: PropertyGroup = EMPTY_GROUP


def _whole(value: Any, attr: str, *, minimum: int, maximum: int = MAX_TIME_VALUE) -> int:
    if isinstance(value, bool):
        raise QueryError(f"{attr.split('__')[-1]} must be a whole number.", attr=attr)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{attr.split('__')[-1]} must be a whole number.", attr=attr) from None
    if not minimum <= number <= maximum:
        raise QueryError(f"{attr.split('__')[-1]} must be from {minimum} to {maximum}.", attr=attr)
    return number


def _target(key: Any, event_type: Any, attr: str) -> dict[str, Any]:
    if event_type in (None, "events"):
        if not isinstance(key, str) or not key:
            raise QueryError("A behavioral criterion needs an event name as key.", attr=f"{attr}__key")
        return {"event": key}
    if event_type == "actions":
        return {"action_id": _whole(key, f"{attr}__key", minimum=1, maximum=2**62)}
    raise QueryError("event_type must be events or actions.", attr=f"{attr}__event_type")


def parse_behavioral(raw: dict[str, Any], attr: str) -> Behavioral:
    criterion = raw.get("value")
    if criterion not in SUPPORTED:
        shown = str(criterion)[:60]
        raise QueryError(
            f"Behavioral criterion {shown!r} is not supported; use {' or '.join(SUPPORTED)}.",
            attr=f"{attr}__value",
        )
    if raw.get("explicit_datetime") not in (None, ""):
        raise QueryError(
            "explicit_datetime is not supported; use time_value.", attr=f"{attr}__explicit_datetime"
        )
    interval = raw.get("time_interval") or "day"
    if interval not in INTERVALS:
        raise QueryError(
            f"time_interval must be one of {', '.join(INTERVALS)}.", attr=f"{attr}__time_interval"
        )
    operator, count = "gte", 1
    if criterion == "performed_event_multiple":
        operator = raw.get("operator") or "gte"
        if operator not in COUNT_OPERATORS:
            raise QueryError("operator must be gte, lte or exact.", attr=f"{attr}__operator")
        count = _whole(raw.get("operator_value"), f"{attr}__operator_value", minimum=0, maximum=2**31)
    return Behavioral(
        **_target(raw.get("key"), raw.get("event_type"), attr),
        time_value=_whole(raw.get("time_value"), f"{attr}__time_value", minimum=1),
        time_interval=interval,
        operator=operator,
        count=count,
        event_filters=parse_properties(raw.get("event_filters"), f"{attr}__event_filters"),
    )


def parse_legacy_behavioral(raw: dict[str, Any], attr: str) -> Behavioral:
    """``{"action_id"|"event_id", "days", "count", "count_operator"}``."""
    if raw.get("action_id") is not None:
        target = _target(raw["action_id"], "actions", f"{attr}__action_id")
    else:
        target = _target(raw.get("event_id"), "events", f"{attr}__event_id")
    operator = raw.get("count_operator") or "gte"
    if operator not in COUNT_OPERATORS:
        raise QueryError("count_operator must be gte, lte or eq.", attr=f"{attr}__count_operator")
    days = raw.get("days")
    return Behavioral(
        **target,
        time_value=LEGACY_DEFAULT_DAYS if days in (None, "") else _whole(days, f"{attr}__days", minimum=1),
        time_interval="day",
        operator=operator,
        count=1
        if raw.get("count") in (None, "")
        else _whole(raw["count"], f"{attr}__count", minimum=0, maximum=2**31),
    )


def window_start(params_add: Any, b: Behavioral, now: datetime) -> str:
    """SQL for the window's start: ``now`` minus ``time_value`` ``time_interval``s (calendar units)."""
    now_sql = params_add(now, "DateTime64(6, 'UTC')")
    return f"({now_sql} - {INTERVALS[b.time_interval]}({params_add(b.time_value, 'UInt64')}))"
