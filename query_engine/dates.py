"""PostHog's date grammar, intervals and buckets, in the project's timezone.

``parse_relative`` reads one ``date_from``/``date_to`` string (ISO or ``-7d``,
``mStart``, ``-1dEnd`` …); ``resolve_range`` turns a query's date range into a
:class:`DateWindow` with the bounds, the SQL filter start and the bucket list.
Pure code: "now" is passed in, nothing is read from the database here.

Bucket arithmetic for day/week/month runs on wall-clock (naive) datetimes and
is localised afterwards, so a day with a daylight-saving change is one bucket,
never zero or two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from query_engine.errors import QueryError

INTERVALS = ("minute", "hour", "day", "week", "month")
DEFAULT_DATE_FROM_DAYS = 7
RELATIVE = re.compile(r"-?(?P<number>\d+)?(?P<kind>[hdwmqysM])(?P<position>Start|End)?")
UTC_ZONE = ZoneInfo("UTC")
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
# ClickHouse's DateTime64 starts in 1900: a relative date before it cannot be queried.
MIN_YEAR = 1900


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Parsed:
    """A parsed date: the moment (aware, project tz) and the unit of a relative delta."""

    moment: datetime
    relative_unit: str | None  # "h", "d", "m" … or None for absolute dates


def _parse_absolute(text: str, tz: ZoneInfo) -> datetime | None:
    if not ISO_DATE.match(text):
        return None
    head, _, rest = text.partition("T") if "T" in text else text.partition(" ")
    parts = head.split("-")
    try:
        day = f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2][:2]):02d}"
        value = datetime.fromisoformat(day + ("T" + rest if rest else "").replace("Z", "+00:00"))
    except (ValueError, IndexError):
        return None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def _shift(now: datetime, number: int, kind: str, position: str | None) -> datetime:
    deltas = {
        "h": relativedelta(hours=number),
        "d": relativedelta(days=number),
        "w": relativedelta(weeks=number),
        "m": relativedelta(months=number),
        "q": relativedelta(weeks=13 * number),
        "y": relativedelta(years=number),
        "M": relativedelta(minutes=number),
        "s": relativedelta(seconds=number),
    }
    moment = now - deltas[kind]
    if position == "Start":
        moment = _position(moment, kind, end=False)
    elif position == "End":
        moment = _position(moment, kind, end=True)
    return moment


def _position(moment: datetime, kind: str, *, end: bool) -> datetime:
    time_end: dict[str, Any] = {"hour": 23, "minute": 59, "second": 59, "microsecond": 999999}
    time_start: dict[str, Any] = {"hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    if kind == "h":
        return (
            moment.replace(minute=59, second=59, microsecond=999999)
            if end
            else moment.replace(minute=0, second=0, microsecond=0)
        )
    if kind == "d":
        return moment.replace(**(time_end if end else time_start))
    if kind == "m":
        if end:
            return moment + relativedelta(day=31, **time_end)
        return moment.replace(day=1, **time_start)
    if kind == "y":
        # PostHog's quirk: yEnd is day 31 of the current month.
        if end:
            return moment + relativedelta(day=31, **time_end)
        return moment.replace(month=1, day=1, **time_start)
    return moment


def parse_relative(text: str, *, tz: ZoneInfo, now: datetime) -> Parsed:
    """Parse an absolute or relative date string; see engine.md §1.1.

    Anything else ("last week", "yesterday-ish") and relative dates the calendar cannot
    hold (``-1000000d``) are a ``QueryError``, never silently "now".
    """
    text = str(text).strip()
    absolute = _parse_absolute(text, tz)
    if absolute is not None:
        return Parsed(absolute, None)
    local_now = now.astimezone(tz)
    if text == "all":
        return Parsed(local_now, None)
    match = RELATIVE.fullmatch(text)
    if not match:
        raise QueryError(
            f"{text[:100]!r} is not a date: use an ISO date or a relative date such as -7d or -1mStart.",
            code="invalid_date",
        )
    number = int(match.group("number") or 0)
    kind = match.group("kind")
    try:
        moment = _shift(local_now, number, kind, match.group("position"))
    except (OverflowError, ValueError):
        moment = None
    if moment is None or moment.year < MIN_YEAR:
        raise QueryError(f"{text[:100]!r} is out of range: dates start in {MIN_YEAR}.", code="invalid_date")
    return Parsed(moment, kind)


def is_valid_date(text: str) -> bool:
    text = str(text).strip()
    if ISO_DATE.match(text):
        return _parse_absolute(text, zone("UTC")) is not None
    try:
        parse_relative(text, tz=zone("UTC"), now=datetime.now(zone("UTC")))
    except QueryError:
        return False
    return True


# --- Buckets ------------------------------------------------------------------


def start_of_interval(moment: datetime, interval: str, week_start_day: int) -> datetime:
    """Wall-clock start of the interval containing ``moment`` (naive)."""
    naive = moment.replace(tzinfo=None)
    if interval == "minute":
        return naive.replace(second=0, microsecond=0)
    if interval == "hour":
        return naive.replace(minute=0, second=0, microsecond=0)
    day = naive.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "week":
        # Python: Monday = 0; week_start_day 0 = Sunday, 1 = Monday.
        offset = (day.weekday() + 1) % 7 if week_start_day == 0 else day.weekday()
        return day - timedelta(days=offset)
    if interval == "month":
        return day.replace(day=1)
    return day


def step(moment: datetime, interval: str, count: int = 1) -> datetime:
    if interval == "minute":
        return moment + timedelta(minutes=count)
    if interval == "hour":
        return moment + timedelta(hours=count)
    if interval == "day":
        return moment + timedelta(days=count)
    if interval == "week":
        return moment + timedelta(weeks=count)
    return moment + relativedelta(months=count)


def bucket_starts(
    date_from: datetime, date_to: datetime, interval: str, week_start_day: int
) -> list[datetime]:
    """Wall-clock bucket starts from date_from's interval start through date_to.

    Hours and minutes step in real time, so a skipped hour (spring forward) is
    absent and a repeated one (fall back) appears once, as ClickHouse groups it.
    """
    current = start_of_interval(date_from, interval, week_start_day)
    if interval in ("hour", "minute") and date_from.tzinfo is not None:
        return _real_time_buckets(current, date_from.tzinfo, date_to, interval)
    end = date_to.replace(tzinfo=None)
    buckets: list[datetime] = []
    while current <= end:
        buckets.append(current)
        current = step(current, interval)
    return buckets


def _real_time_buckets(first: datetime, tz, date_to: datetime, interval: str) -> list[datetime]:
    moment = first.replace(tzinfo=tz).astimezone(UTC_ZONE)
    width = timedelta(hours=1) if interval == "hour" else timedelta(minutes=1)
    buckets: list[datetime] = []
    while moment <= date_to:
        local = moment.astimezone(tz).replace(tzinfo=None)
        if not buckets or buckets[-1] != local:
            buckets.append(local)
        moment += width
    return buckets


def day_string(bucket: datetime, interval: str) -> str:
    if interval in ("hour", "minute"):
        return bucket.strftime("%Y-%m-%d %H:%M:%S")
    return bucket.strftime("%Y-%m-%d")


def _d(moment: datetime) -> str:
    return str(moment.day)


def label(bucket: datetime, interval: str, date_from: datetime, date_to: datetime) -> str:
    """PostHog's bucket label; weeks are clipped to the query range."""
    if interval in ("hour", "minute"):
        return f"{_d(bucket)}-{bucket.strftime('%b %H:%M')}"
    if interval == "month":
        return bucket.strftime("%b %Y")
    if interval == "day":
        return f"{_d(bucket)}-{bucket.strftime('%b-%Y')}"
    start = max(bucket.date(), date_from.date())
    end = min((bucket + timedelta(days=6)).date(), date_to.date())
    if start == end:
        return f"{start.day}-{start.strftime('%b-%Y')}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{end.day} {start.strftime('%b')}"
    if start.year == end.year:
        return f"{start.day}-{start.strftime('%b')} \u2013 {end.day}-{end.strftime('%b')}"
    return f"{start.day}-{start.strftime('%b-%Y')} \u2013 {end.day}-{end.strftime('%b-%Y')}"


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    return naive.replace(tzinfo=tz)


def bucket_key(bucket: datetime) -> str:
    """The key SQL returns for a bucket (``format_bucket``): local wall clock, seconds."""
    return bucket.strftime("%Y-%m-%d %H:%M:%S")


# --- Query date windows -----------------------------------------------------


@dataclass(frozen=True)
class DateWindow:
    """A resolved date range: bounds (aware, project tz), SQL filter start, buckets.

    ``filter_from`` is where the event filter starts (engine.md §1.1: the start
    of date_from's interval unless the range is exact); ``buckets`` are the
    wall-clock bucket starts, every one of them reported even when empty.
    """

    date_from: datetime
    date_to: datetime
    filter_from: datetime
    interval: str
    week_start_day: int
    tz: ZoneInfo

    @cached_property  # read several times per result series
    def buckets(self) -> list[datetime]:
        return bucket_starts(self.date_from, self.date_to, self.interval, self.week_start_day)

    def labels(self) -> list[str]:
        return [label(b, self.interval, self.date_from, self.date_to) for b in self.buckets]

    def days(self) -> list[str]:
        return [day_string(b, self.interval) for b in self.buckets]

    def with_bounds(self, date_from: datetime, date_to: datetime) -> DateWindow:
        shift = self.date_from - self.filter_from
        return DateWindow(date_from, date_to, date_from - shift, self.interval, self.week_start_day, self.tz)


def _round_date_to(moment: datetime, interval: str, relative: bool) -> datetime:
    if interval in ("day", "week", "month"):
        return moment.replace(hour=23, minute=59, second=59, microsecond=999999)
    if interval == "hour" and relative:
        return moment.replace(minute=59, second=59, microsecond=999999)
    if interval == "minute" and relative:
        return moment.replace(second=59, microsecond=999999)
    return moment


def resolve_window(
    *,
    date_from: str | None,
    date_to: str | None,
    interval: str,
    tz: ZoneInfo,
    now: datetime,
    week_start_day: int = 0,
    explicit: bool = False,
    earliest: datetime | None = None,
    exact_timerange: bool = False,
) -> DateWindow:
    """Resolve a query's date range as PostHog's query date range object does.

    ``exact_timerange`` (BoldNumber): a missing date_to is now itself (not the end of
    today), a given one keeps its whole last day, and the event filter starts at date_from
    itself.
    """
    local_now = now.astimezone(tz)
    relative_from: str | None = "d"
    if date_from in (None, ""):
        start = local_now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=DEFAULT_DATE_FROM_DAYS
        )
    elif date_from == "all":
        start = (earliest or datetime(2015, 1, 1, tzinfo=ZoneInfo("UTC"))).astimezone(tz)
        relative_from = None
    else:
        parsed = parse_relative(date_from, tz=tz, now=now)
        start, relative_from = parsed.moment, parsed.relative_unit
        if relative_from and interval != "minute" and not explicit:
            start = start.replace(minute=0, second=0, microsecond=0)
            if relative_from != "h":
                start = start.replace(hour=0)
    if date_to in (None, ""):
        end, relative_to = local_now, True
    else:
        parsed_to = parse_relative(date_to, tz=tz, now=now)
        end, relative_to = parsed_to.moment, parsed_to.relative_unit is not None
    # An exact range ends at "now" when date_to is absent; a date_to it is given keeps its
    # whole last day like any other range (PostHog rounds date_to unless explicitDate).
    if not explicit and not (exact_timerange and date_to in (None, "")):
        end = _round_date_to(end, interval, relative_to)
    raw_from = (
        explicit
        or exact_timerange
        or (interval in ("hour", "minute") and relative_from is not None)
        or (interval == "day" and relative_from == "h")
    )
    if raw_from:
        filter_from = start
    elif interval == "week":
        filter_from = start.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        filter_from = localize(start_of_interval(start, interval, week_start_day), tz)
    return DateWindow(start, end, filter_from, interval, week_start_day, tz)
