"""Dashboards, just enough for insights: tiles, restriction levels and collaborators."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RestrictionLevel(models.IntegerChoices):
    """PostHog's dashboard collaboration levels (also used as privilege levels)."""

    EVERYONE_IN_PROJECT_CAN_EDIT = 21, "everyone in the project can edit"
    ONLY_COLLABORATORS_CAN_EDIT = 37, "only collaborators can edit"


class Dashboard(models.Model):
    """A dashboard of a team; insights appear on it through tiles."""

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="dashboards")
    name = models.CharField(max_length=400, null=True, blank=True)
    description = models.TextField(blank=True, default="")
    filters = models.JSONField(default=dict, blank=True)
    deleted = models.BooleanField(default=False)
    restriction_level = models.PositiveSmallIntegerField(
        choices=RestrictionLevel.choices, default=RestrictionLevel.EVERYONE_IN_PROJECT_CAN_EDIT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.name or f"Dashboard {self.pk}"


class DashboardPrivilege(models.Model):
    """An explicit collaborator of a restricted dashboard."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="privileges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(
        choices=RestrictionLevel.choices, default=RestrictionLevel.ONLY_COLLABORATORS_CAN_EDIT
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dashboard", "user"], name="unique_dashboard_privilege")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} on dashboard {self.dashboard_id}"


class Text(models.Model):
    """The markdown body of a text tile (PostHog's ``Text``)."""

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="+")
    body = models.CharField(max_length=4000, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_modified_at = models.DateTimeField(auto_now=True)
    last_modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"text {self.pk}"


class DashboardTile(models.Model):
    """One insight or one text shown on one dashboard; soft-deleted rather than removed."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    # Exactly one of insight and text is set.
    insight = models.ForeignKey(
        "analytics.Insight", on_delete=models.CASCADE, related_name="dashboard_tiles", null=True, blank=True
    )
    text = models.ForeignKey(Text, on_delete=models.CASCADE, related_name="tiles", null=True, blank=True)
    # null on a fresh tile, false once re-added, true when removed (PostHog's convention).
    deleted = models.BooleanField(null=True, blank=True)
    color = models.CharField(max_length=400, null=True, blank=True)
    layouts = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dashboard", "insight"], name="unique_dashboard_tile")]

    def __str__(self) -> str:
        shown = f"insight {self.insight_id}" if self.insight_id else f"text {self.text_id}"
        return f"{shown} on dashboard {self.dashboard_id}"
