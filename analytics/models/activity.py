"""The activity log: who changed what, field by field."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ActivityLog(models.Model):
    """One entry per logged change; ``detail`` holds PostHog's ``{changes, trigger, name, short_id}``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_system = models.BooleanField(default=False)
    was_impersonated = models.BooleanField(default=False)
    activity = models.CharField(max_length=79)
    scope = models.CharField(max_length=79)
    item_id = models.CharField(max_length=72, null=True, blank=True)
    detail = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["team", "scope", "item_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.item_id} {self.activity}"
