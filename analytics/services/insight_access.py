"""Who may see and edit an insight: dashboard restriction levels and access-control rules."""

from __future__ import annotations

from typing import Any

from access_control.teams import user_membership
from analytics.models import ACCESS_LEVELS_ORDER, AccessControl, Dashboard, Insight, RestrictionLevel
from tenancy.models import OrganizationMembership, Team

EVERYONE = RestrictionLevel.EVERYONE_IN_PROJECT_CAN_EDIT
COLLABORATORS = RestrictionLevel.ONLY_COLLABORATORS_CAN_EDIT


def _request_memo(user: Any, name: str) -> dict:
    # A user object lives for one request, so memoising on it saves a query per insight in lists.
    memo = user.__dict__.setdefault("_insight_access_memo", {})
    return memo.setdefault(name, {})


def membership(*, user: Any, team: Team) -> OrganizationMembership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user_membership(user=user, team=team)


def _rules(*, user: Any, team: Team) -> dict[str, dict[int | None, str]]:
    """resource_id → {membership id or None (everyone): level} for the team's insight rules."""
    memo = _request_memo(user, "rules")
    if team.id not in memo:
        rules: dict[str, dict[int | None, str]] = {}
        for rule in AccessControl.objects.filter(team=team, resource="insight"):
            rules.setdefault(rule.resource_id, {})[rule.organization_member_id] = rule.access_level
        memo[team.id] = rules
    return memo[team.id]


def is_project_admin(*, user: Any, team: Team) -> bool:
    found = membership(user=user, team=team)
    return found is not None and found.is_admin


def can_edit_dashboard(*, dashboard: Dashboard, user: Any) -> bool:
    """Unrestricted dashboards are editable by everyone; restricted ones by creator, admins, collaborators."""
    if dashboard.restriction_level <= EVERYONE:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if dashboard.created_by_id == user.id or is_project_admin(user=user, team=dashboard.team):
        return True
    memo = _request_memo(user, "collaborates")  # lists ask once per insight on the dashboard
    if dashboard.id not in memo:
        memo[dashboard.id] = dashboard.privileges.filter(user=user, level__gte=COLLABORATORS).exists()
    return memo[dashboard.id]


def live_tiles(insight: Insight) -> list:
    """The insight's tiles on dashboards that are not deleted (reads the prefetched tiles)."""
    return [tile for tile in insight.dashboard_tiles.all() if not tile.deleted and not tile.dashboard.deleted]


def _live_dashboards(insight: Insight) -> list[Dashboard]:
    return [tile.dashboard for tile in live_tiles(insight)]


def effective_restriction_level(insight: Insight) -> int:
    """The strictest level among the insight's dashboards; 21 when on none."""
    return max((d.restriction_level for d in _live_dashboards(insight)), default=EVERYONE)


def effective_privilege_level(*, insight: Insight, user: Any) -> int:
    """37 when the user can edit the insight's dashboards (or it is on none), else 21."""
    dashboards = _live_dashboards(insight)
    if not dashboards:
        return COLLABORATORS
    if any(can_edit_dashboard(dashboard=d, user=user) for d in dashboards):
        return COLLABORATORS
    return EVERYONE


def user_access_level(*, user: Any, team: Team, resource_id: Any, creator_id: int | None) -> str:
    """``none`` < ``viewer`` < ``editor`` < ``manager``; creators and org admins manage.

    A member's own rule wins over the project-wide rule; without rules members are editors.
    """
    found = membership(user=user, team=team)
    if found is None:
        return "none"
    if found.is_admin or (creator_id is not None and creator_id == user.id):
        return "manager"
    rules = _rules(user=user, team=team).get(str(resource_id), {})
    if found.id in rules:
        return rules[found.id]
    return rules.get(None, "editor")


def at_least(level: str, required: str) -> bool:
    return ACCESS_LEVELS_ORDER.index(level) >= ACCESS_LEVELS_ORDER.index(required)


def hidden_insight_ids(*, user: Any, team: Team) -> set[str]:
    """Insight ids the user may not even view (a rule says ``none`` and the user did not create it)."""
    found = membership(user=user, team=team)
    if found is None or found.is_admin:
        return set()
    rules = _rules(user=user, team=team)  # the same memo user_access_level reads, one query
    candidates = {rid for rid, by in rules.items() if by.get(found.id, by.get(None)) == "none"}
    if not candidates:
        return set()
    created = set(
        Insight.objects.filter(team=team, created_by=user, id__in=candidates).values_list("id", flat=True)
    )
    return {rid for rid in candidates if int(rid) not in created}
