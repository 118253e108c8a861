"""Time-bucket expressions in the project's timezone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from query_engine.sql.params import Params

BUCKET_FORMAT = "'%Y-%m-%d %H:%i:%S'"
# Interval → ClickHouse function; names come from this table only.
TRUNCATE = {
    "minute": "toStartOfMinute",
    "hour": "toStartOfHour",
    "day": "toStartOfDay",
    "month": "toStartOfMonth",
}


def local_time(params: Params, tz: ZoneInfo, column: str = "events.timestamp") -> str:
    return f"toTimeZone({column}, {params.named('tz', tz.key, 'String')})"


def bucket_expr(
    params: Params, interval: str, tz: ZoneInfo, week_start_day: int, column: str = "events.timestamp"
) -> str:
    """The start of the event's interval, in the project's timezone."""
    local = local_time(params, tz, column)
    if interval == "week":
        mode = 3 if week_start_day == 1 else 0  # code-defined literal
        return f"toStartOfWeek({local}, {mode})"
    return f"{TRUNCATE[interval]}({local})"


def format_bucket(column: str) -> str:
    return f"formatDateTime({column}, {BUCKET_FORMAT})"
