"""Pieces every series-based runner shares: executing SQL with the kind's time
limit, resolving date windows (incl. ``all`` and compare periods), and the
series label / ``action`` dict of result entries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings

from query_engine.actions import load_actions
from query_engine.backends import BackendError, QueryTimeout, get_backend
from query_engine.backends.base import QueryResult
from query_engine.backends.query_limits import limit_message, limit_settings
from query_engine.dates import DateWindow, bucket_key, localize, parse_relative, resolve_window
from query_engine.errors import QueryError
from query_engine.model import ActionDef, DateRange, Series
from query_engine.sql.events import DATETIME, FilterContext, entity_condition
from query_engine.sql.params import Params
from query_engine.team import TeamContext

# ClickHouse errors caused by the request (bad number, bad date …) → 400, described in
# our words: ClickHouse's text (and the SQL in it) goes to the log only.
USER_ERROR_CODES = {
    6: "a value could not be read as text",
    27: "a value could not be parsed",
    36: "a value is not valid for its field",
    38: "a value could not be read as a date",
    41: "a value could not be read as a date and time",
    43: "a value has the wrong type for its field",
    53: "a value has the wrong type for its field",
    69: "a value is out of range",
    72: "a value could not be read as a number",
}
CANNOT_COMPILE_REGEXP = 427
BAD_ARGUMENTS = 36
# "cannot compile re2: <pattern>, error: ..." (chDB and the server word it alike), or for
# the replace functions "not a valid re2 pattern: <reason>: <part of the pattern>: while".
REGEX_IN_ERROR = re.compile(r"cannot compile re2: (?P<pattern>.*?), error: ", re.DOTALL)
REGEX_PART_IN_ERROR = re.compile(r"not a valid re2 pattern: [^:]*: (?P<part>.*?): while ", re.DOTALL)
logger = logging.getLogger(__name__)


class InvalidRegex(QueryError):
    """A regular expression ClickHouse (RE2) cannot compile.

    ``pattern`` (the whole expression) or ``part`` (a piece of it) lets the API name the field.
    """

    def __init__(self, pattern: str | None, *, part: str | None = None) -> None:
        shown = f" {pattern[:200]!r}" if pattern is not None else ""
        super().__init__(f"Invalid regular expression{shown}.", code="invalid_regex")
        self.pattern = pattern
        self.part = part


def timeout_for(timeout_key: str) -> int:
    """Seconds allowed for ``timeout_key`` (a runner's key in ``QUERY_TIMEOUT_SECONDS``)."""
    limits = getattr(settings, "QUERY_TIMEOUT_SECONDS", {}) or {}
    return int(limits.get(timeout_key, limits.get("default", 60)))


def run_sql(sql: str, params: dict[str, Any], *, timeout_key: str) -> QueryResult:
    """Execute on the configured backend with the runner's time limit.

    Past the time limit the backend raises ``QueryTimeout`` (the API answers 504); past the
    memory or result limits (``query_limits``) the client gets a 400 naming the setting.
    """
    try:
        return get_backend().execute(sql, params, settings=limit_settings(timeout_for(timeout_key)))
    except QueryTimeout:
        raise
    except BackendError as exc:
        if (message := limit_message(exc.code)) is not None:
            logger.info("ClickHouse stopped a query at a limit: %s", exc)
            raise QueryError(message, attr="query", code="query_too_large") from exc
        if exc.code == CANNOT_COMPILE_REGEXP:
            logger.info("ClickHouse refused a regular expression: %s", exc)
            found = REGEX_IN_ERROR.search(str(exc))
            raise InvalidRegex(found["pattern"] if found else None) from exc
        if exc.code == BAD_ARGUMENTS and (part := REGEX_PART_IN_ERROR.search(str(exc))):
            logger.info("ClickHouse refused a regular expression: %s", exc)
            raise InvalidRegex(None, part=part["part"]) from exc
        if exc.code in USER_ERROR_CODES:
            logger.info("ClickHouse refused a value: %s", exc)
            raise QueryError(f"The query could not run: {USER_ERROR_CODES[exc.code]}.", attr="query") from exc
        raise


# Timestamps before this are corrupt (PostHog leaves them out of "all time" too).
EARLIEST_VALID = datetime(1980, 1, 1, tzinfo=UTC)


def earliest_timestamp(
    team: TeamContext, *, timeout_key: str, series: Sequence[Series] = ()
) -> datetime | None:
    """Where ``date_from: "all"`` starts: the earliest event of the query's own series (its
    event names or actions, no property filters), as PostHog computes it; the project's
    earliest event of any kind when a series counts all events or there are none."""
    params = Params()
    params.named("team_id", team.id, "Int64")
    conditions = ["1"]
    if series and all(s.kind in ("actions", "group") or s.event is not None for s in series):
        actions = load_actions(team, series)
        ctx = FilterContext(team.tz, team.now or datetime.now(UTC))
        conditions = [entity_condition(s, params, ctx, actions) for s in series]
    matched = " OR ".join(f"({c})" for c in conditions)
    result = run_sql(
        "SELECT min(events.timestamp) FROM events WHERE events.team_id = {team_id:Int64}"
        f" AND events.timestamp > {params.add(EARLIEST_VALID, DATETIME)} AND ({matched})",
        params.values,
        timeout_key=timeout_key,
    )
    value = result.rows[0][0] if result.rows else None
    if not value or str(value).startswith("1970"):
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00").replace(" ", "T")).replace(tzinfo=UTC)


MAX_BUCKETS = 10_000


class Windowed(Protocol):
    """What a date window is resolved from: any spec with a date range and an interval."""

    @property
    def date_range(self) -> DateRange: ...

    @property
    def interval(self) -> str: ...


class Comparable(Windowed, Protocol):
    @property
    def compare_to(self) -> str | None: ...


def window_for(spec: Windowed, team: TeamContext, *, timeout_key: str, exact: bool = False) -> DateWindow:
    """The query's date window; 400 when the range is backwards or has too many buckets."""
    earliest = (
        earliest_timestamp(team, timeout_key=timeout_key, series=getattr(spec, "series", ()))
        if spec.date_range.date_from == "all"
        else None
    )
    window = _resolve(spec, team, earliest, exact)
    if window.date_from > window.date_to:
        raise QueryError("date_from is after date_to.", attr="dateRange__date_from")
    if _bucket_count(window) > MAX_BUCKETS:
        raise QueryError(
            f"The date range has more than {MAX_BUCKETS} {spec.interval} intervals; use a larger interval.",
            attr="interval",
        )
    return window


def _bucket_count(window: DateWindow) -> int:
    seconds = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2419200}[window.interval]
    return int((window.date_to - window.date_from).total_seconds() // seconds) + 1


def _resolve(spec: Windowed, team: TeamContext, earliest: datetime | None, exact: bool) -> DateWindow:
    return resolve_window(
        date_from=spec.date_range.date_from,
        date_to=spec.date_range.date_to,
        interval=spec.interval,
        tz=team.tz,
        now=team.now or datetime.now(UTC),
        week_start_day=team.week_start_day,
        explicit=spec.date_range.explicit,
        earliest=earliest,
        exact_timerange=exact,
    )


def previous_window(spec: Comparable, window: DateWindow, team: TeamContext) -> DateWindow:
    """The compare period (engine.md §2.6), computed on wall-clock times."""
    start, end = window.date_from.replace(tzinfo=None), window.date_to.replace(tzinfo=None)
    diff = end - start
    if spec.compare_to:
        try:
            prev_from = parse_relative(spec.compare_to, tz=window.tz, now=window.date_from).moment.replace(
                tzinfo=None
            )
            prev_to = prev_from + diff
        except (QueryError, OverflowError):
            raise QueryError(
                f"compare_to {str(spec.compare_to)[:100]!r} is not a date the previous period can start at.",
                attr="compareFilter__compare_to",
            ) from None
    else:
        prev_from = datetime.combine((start - diff).date(), start.time())
        raw_from = spec.date_range.date_from or "-7d"
        if _weekly_kludge(spec, raw_from):
            prev_from += timedelta(days=1)
        prev_to = datetime.combine((prev_from + diff).date(), end.time())
    return window.with_bounds(localize(prev_from, window.tz), localize(prev_to, window.tz))


def _weekly_kludge(spec: Windowed, raw_from: str) -> bool:
    if (
        spec.interval != "day"
        or spec.date_range.date_to
        or not raw_from.startswith("-")
        or not raw_from.endswith("d")
    ):
        return False
    digits = raw_from[1:-1]
    return digits.isdigit() and int(digits) % 7 == 0


def series_label(series: Series, actions: dict[int, ActionDef]) -> str:
    if series.kind == "group":
        return series.name or ", ".join(series_label(node, actions) for node in series.nodes)
    if series.kind == "actions":
        action = actions.get(series.action_id or 0)
        return action.name if action else (series.name or str(series.action_id))
    return series.event if series.event is not None else "All events"


def action_dict(series: Series, actions: dict[int, ActionDef], raw_series: dict[str, Any]) -> dict[str, Any]:
    label = series_label(series, actions)
    return {
        "id": series.action_id if series.kind == "actions" else label,
        "type": series.kind,
        "order": series.order,
        "name": label,
        "custom_name": series.custom_name,
        "math": series.math,
        "math_property": series.math_property,
        "math_hogql": series.math_hogql,
        "math_group_type_index": series.math_group_type_index,
        "properties": raw_series.get("properties") or {},
    }


def bucket_index(window: DateWindow) -> dict[str, int]:
    return {bucket_key(b): i for i, b in enumerate(window.buckets)}
