"""Small builders for test data: personas and teams."""

from __future__ import annotations

from dataclasses import dataclass

from access_control.services import create_personal_api_key
from tenancy.models import Organization, OrganizationMembership, Team, User


@dataclass
class Persona:
    user: User
    team: Team
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}


def make_user(email: str, *, first_name: str = "") -> User:
    return User.objects.create_user(email=email, first_name=first_name or email.split("@")[0])


def make_org_with_team(name: str = "Acme", **team_fields) -> tuple[Organization, Team]:
    organization = Organization.objects.create(name=name)
    team = Team.create_with_project(organization=organization, name=f"{name} project", **team_fields)
    return organization, team


def join(user: User, organization: Organization, level: int = OrganizationMembership.Level.MEMBER) -> None:
    OrganizationMembership.objects.create(user=user, organization=organization, level=level)


def make_key(user: User, scopes: list[str], **kwargs) -> str:
    _, value = create_personal_api_key(user=user, label="test", scopes=scopes, **kwargs)
    return value


def persona(
    email: str, team: Team, *, level: int = OrganizationMembership.Level.MEMBER, scopes=("*",)
) -> Persona:
    user = make_user(email)
    join(user, team.organization, level)
    user.current_team = team
    user.save(update_fields=["current_team"])
    return Persona(user=user, team=team, key=make_key(user, list(scopes)))
