"""Creating organizations, projects and their first users."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from access_control.services import create_personal_api_key
from tenancy.models import Organization, OrganizationMembership, Team, User


@dataclass(frozen=True)
class CreatedProject:
    team: Team
    user: User
    personal_api_key: str


def create_project_with_owner(
    *, name: str, email: str, scopes: list[str] | None = None, organization: Organization | None = None
) -> CreatedProject:
    """The user is created if needed and becomes the organization's owner."""
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, first_name=email.split("@")[0])
        if organization is None:
            organization = Organization.objects.create(name=f"{name} organization")
        OrganizationMembership.objects.get_or_create(
            organization=organization, user=user, defaults={"level": OrganizationMembership.Level.OWNER}
        )
        team = Team.create_with_project(organization=organization, name=name)
        if user.current_team_id is None:
            user.current_team = team
            user.save(update_fields=["current_team"])
        _, value = create_personal_api_key(user=user, label=f"{name} key", scopes=scopes or ["*"])
    return CreatedProject(team=team, user=user, personal_api_key=value)
