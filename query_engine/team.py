"""The project settings that change an answer, frozen for one computation.

Runners, SQL builders and the result cache read a ``TeamContext``, never an ORM
team: the app builds it in one place (``analytics/services/team_context.py``).
Every field except ``now`` changes an answer, so the cache key hashes them all
(``answer_settings``): a setting added here is in the key without more work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from query_engine.dates import zone
from query_engine.model import PropertyGroup
from query_engine.nodes import parse_properties


@dataclass(frozen=True)
class TeamContext:
    id: int
    timezone: str = "UTC"
    week_start_day: int = 0  # 0 Sunday, 1 Monday
    # As the project stores them (JSON); parsed where they are used.
    test_account_filters: Any = ()
    path_cleaning_filters: Any = ()
    # Person mode: count distinct ids instead of persons.
    aggregate_by_distinct_id: bool = False
    # The computation's clock; not a setting (tests pin it).
    now: datetime | None = field(default=None, compare=False)

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @cached_property
    def test_accounts(self) -> PropertyGroup:
        return parse_properties(self.test_account_filters or [], "test_account_filters")

    def property_groups(self, properties: PropertyGroup, filter_test_accounts: bool) -> list[PropertyGroup]:
        """A query's own property filters, plus the project's test-account filters when asked for."""
        return [properties, self.test_accounts] if filter_test_accounts else [properties]

    def started(self) -> TeamContext:
        """This context with its clock set (to the current time unless already pinned)."""
        return self if self.now is not None else replace(self, now=datetime.now(UTC))

    def answer_settings(self) -> dict[str, Any]:
        """Every answer-changing field, JSON-ready: what the cache key hashes and a job carries."""
        return {name: getattr(self, name) for name in ANSWER_FIELDS}

    @classmethod
    def from_settings(cls, data: dict[str, Any]) -> TeamContext:
        return cls(**data)


# Every field but the clock, listed once here (``dataclasses.fields`` is slow per call).
ANSWER_FIELDS = tuple(f.name for f in fields(TeamContext) if f.name != "now")
