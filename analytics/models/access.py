"""Per-object access rules (PostHog's ``access_controls``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

ACCESS_LEVELS_ORDER = ("none", "viewer", "editor", "manager")
DEFAULT_ACCESS_LEVEL = "editor"


class AccessControl(models.Model):
    """A level for one object, for one member or (without a member) for everyone in the project."""

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=36)
    access_level = models.CharField(max_length=32)
    organization_member = models.ForeignKey(
        "tenancy.OrganizationMembership", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "resource", "resource_id", "organization_member"],
                name="unique_access_rule_per_member",
            ),
            models.UniqueConstraint(
                fields=["team", "resource", "resource_id"],
                condition=models.Q(organization_member__isnull=True),
                name="unique_default_access_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.resource_id}: {self.access_level}"
