"""Annotations: dated notes shown on trend charts (PostHog's ``Annotation``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Annotation(models.Model):
    """A note at a point in time, scoped to one insight, one dashboard, the project or the organization."""

    class Scope(models.TextChoices):
        INSIGHT = "dashboard_item", "insight"
        DASHBOARD = "dashboard", "dashboard"
        PROJECT = "project", "project"
        ORGANIZATION = "organization", "organization"

    class CreationType(models.TextChoices):
        USER = "USR", "user"
        GITHUB = "GIT", "GitHub"

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="annotations")
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    content = models.CharField(max_length=400, null=True, blank=True)
    date_marker = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=24, choices=Scope.choices, default=Scope.INSIGHT)
    creation_type = models.CharField(max_length=3, choices=CreationType.choices, default=CreationType.USER)
    dashboard_item = models.ForeignKey(
        "analytics.Insight", on_delete=models.SET_NULL, null=True, blank=True, related_name="annotations"
    )
    dashboard = models.ForeignKey(
        "analytics.Dashboard", on_delete=models.SET_NULL, null=True, blank=True, related_name="annotations"
    )
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["team", "date_marker"], name="annotation_team_date")]

    def __str__(self) -> str:
        return self.content or f"Annotation {self.pk}"
