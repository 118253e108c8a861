"""The retention window: cohort periods from ``date_to`` back (engine.md §5.2).

``end`` is the start of the period after the one containing ``date_to`` (so
that period is complete); ``start`` is the start of ``date_from``'s period, or
``total_intervals`` periods before ``end``. All arithmetic is on the project's
wall clock, then localised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from query_engine.dates import localize, parse_relative, start_of_interval, step
from query_engine.errors import QueryError

INTERVAL_OF = {"Hour": "hour", "Day": "day", "Week": "week", "Month": "month"}


@dataclass(frozen=True)
class RetentionWindow:
    """Cohort period starts (wall clock) and the UTC bounds events must fall in."""

    period: str
    periods: tuple[datetime, ...]
    end_local: datetime
    tz: ZoneInfo

    @property
    def intervals(self) -> int:
        return len(self.periods)

    @property
    def start_utc(self) -> datetime:
        return localize(self.periods[0], self.tz).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return localize(self.end_local, self.tz).astimezone(UTC)


def retention_window(
    *,
    period: str,
    total_intervals: int,
    date_from: str | None,
    date_to: str | None,
    tz: ZoneInfo,
    now: datetime,
    week_start_day: int,
    max_intervals: int = 1000,
) -> RetentionWindow:
    interval = INTERVAL_OF[period]
    to_moment = parse_relative(date_to, tz=tz, now=now).moment if date_to else now.astimezone(tz)
    end = step(start_of_interval(to_moment, interval, week_start_day), interval)
    if date_from and date_from != "all":
        start = start_of_interval(parse_relative(date_from, tz=tz, now=now).moment, interval, week_start_day)
    else:
        start = step(end, interval, -total_intervals)
    periods: list[datetime] = []
    current = start
    while current < end:
        periods.append(current)
        if len(periods) > max_intervals:
            raise QueryError(
                f"The date range spans more than {max_intervals} {period.lower()}s; narrow it.",
                attr="dateRange",
            )
        current = step(current, interval)
    if not periods:
        raise QueryError("date_from must be before date_to.", attr="dateRange__date_from")
    return RetentionWindow(period=period, periods=tuple(periods), end_local=end, tz=tz)
