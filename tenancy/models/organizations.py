"""Organization → Project → Team (environment).

Every project has a primary team whose id equals the project id, so
``/api/projects/:id/`` and ``/api/environments/:id/`` name the same team.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models, transaction

from tenancy.tokens import project_api_token


def default_data_attributes() -> list[str]:
    return ["data-attr"]


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="OrganizationMembership", related_name="organizations"
    )

    class Meta:
        db_table = "analytics_organization"

    def __str__(self) -> str:
        return self.name


class OrganizationMembership(models.Model):
    class Level(models.IntegerChoices):
        MEMBER = 1, "member"
        ADMIN = 8, "administrator"
        OWNER = 15, "owner"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "analytics_organizationmembership"
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} ({self.get_level_display()})"

    @property
    def is_admin(self) -> bool:
        return self.level >= self.Level.ADMIN


class Project(models.Model):
    # Not auto-incremented: a project takes the id of its primary team.
    id = models.BigIntegerField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "analytics_project"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """An environment of a project: events, insights and tokens belong here."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="teams", null=True)
    name = models.CharField(max_length=200, default="Default project")
    api_token = models.CharField(max_length=200, unique=True, default=project_api_token)
    timezone = models.CharField(max_length=240, default="UTC")
    week_start_day = models.PositiveSmallIntegerField(default=0)  # 0 Sunday, 1 Monday
    test_account_filters = models.JSONField(default=list, blank=True)
    path_cleaning_filters = models.JSONField(default=list, blank=True)
    # A UI default (new insights start with filterTestAccounts on); queries never read it.
    test_account_filters_default_checked = models.BooleanField(null=True, blank=True)
    data_attributes = models.JSONField(default=default_data_attributes, blank=True)
    # Person properties tried in order for a person's display name.
    person_display_name_properties = models.JSONField(null=True, blank=True)
    correlation_config = models.JSONField(default=dict, blank=True)
    aggregate_users_by_distinct_id = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "analytics_team"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def create_with_project(cls, *, organization: Organization, name: str, **fields) -> Team:
        """A project and its primary team, sharing one id."""
        with transaction.atomic():
            team = cls.objects.create(organization=organization, name=name, **fields)
            project = Project.objects.create(id=team.id, organization=organization, name=name)
            team.project = project
            team.save(update_fields=["project"])
        return team
