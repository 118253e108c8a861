"""Resolving the team named in a URL (`/api/projects/:id/`, `/api/environments/:id/`)."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, PermissionDenied

from access_control import auth_cache
from access_control.policy import reach_decision
from tenancy.models import OrganizationMembership, Team

PROJECT_NOT_FOUND = "Project not found."


def resolve_team(*, user, raw_id: str) -> Team:
    """The team for a URL id or ``@current``; 404 for anything the user cannot see.

    Unknown and foreign projects answer alike so ids do not leak.
    """
    if raw_id == "@current":
        team = getattr(user, "current_team", None)
        if team is None:
            raise NotFound(PROJECT_NOT_FOUND)
        team_id = team.id
    else:
        try:
            team_id = int(raw_id)
        except (TypeError, ValueError):
            raise NotFound(PROJECT_NOT_FOUND) from None
    team = auth_cache.team(
        team_id, lambda: Team.objects.select_related("organization", "project").filter(pk=team_id).first()
    )
    if team is None or not user_membership(user=user, team=team):
        raise NotFound(PROJECT_NOT_FOUND)
    return team


def user_membership(*, user, team: Team) -> OrganizationMembership | None:
    """The user's membership in the team's organization, looked up once per request.

    A user object lives for one request, so the memo on it never outlives a
    membership change; the shared cache behind it is cleared on every change.
    """
    if user is None or not user.is_authenticated:
        return None
    memo = user.__dict__.setdefault("_memberships", {})
    if team.organization_id not in memo:
        memo[team.organization_id] = auth_cache.membership(
            user.pk,
            team.organization_id,
            lambda: OrganizationMembership.objects.filter(
                user=user, organization_id=team.organization_id
            ).first(),
        )
    return memo[team.organization_id]


def check_key_scoped_to(*, key, team: Team) -> None:
    """A key limited to some teams or organizations may not reach the others (``policy``)."""
    if key is None:
        return
    decision = reach_decision(key, team_id=team.id, organization_id=team.organization_id)
    if not decision.allowed:
        raise PermissionDenied(decision.detail)
