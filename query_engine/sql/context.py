"""Team settings a query needs, and the time-bucket expressions built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from query_engine.dates import zone
from query_engine.model import EMPTY_GROUP, PropertyGroup
from query_engine.sql.params import Params

BUCKET_FORMAT = "'%Y-%m-%d %H:%i:%S'"
# Interval → ClickHouse function; names come from this table only.
TRUNCATE = {
    "minute": "toStartOfMinute",
    "hour": "toStartOfHour",
    "day": "toStartOfDay",
    "month": "toStartOfMonth",
}


@dataclass(frozen=True)
class TeamContext:
    """The project settings that change an answer."""

    id: int
    tz: ZoneInfo
    week_start_day: int = 0
    test_account_filters: PropertyGroup = EMPTY_GROUP
    aggregate_by_distinct_id: bool = False
    now: datetime | None = None

    def property_groups(self, properties: PropertyGroup, filter_test_accounts: bool) -> list[PropertyGroup]:
        """A query's own property filters, plus the project's test-account filters when asked for."""
        return [properties, self.test_account_filters] if filter_test_accounts else [properties]

    @classmethod
    def from_team(cls, team: Any, now: datetime) -> TeamContext:
        from query_engine.nodes import parse_properties

        return cls(
            id=team.id,
            tz=zone(team.timezone),
            week_start_day=1 if team.week_start_day == 1 else 0,
            test_account_filters=parse_properties(team.test_account_filters or []),
            aggregate_by_distinct_id=bool(getattr(team, "aggregate_users_by_distinct_id", False)),
            now=now,
        )


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
