"""The one place a project's settings become the engine's ``TeamContext``."""

from __future__ import annotations

from query_engine.team import TeamContext
from tenancy.models import Team


def team_context(team: Team) -> TeamContext:
    return TeamContext(
        id=team.id,
        timezone=team.timezone or "UTC",
        week_start_day=1 if team.week_start_day == 1 else 0,
        test_account_filters=team.test_account_filters or [],
        path_cleaning_filters=team.path_cleaning_filters or [],
        aggregate_by_distinct_id=bool(team.aggregate_users_by_distinct_id),
    )
