"""Saved insights, their tags and who viewed them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.tokens import BASE62

SHORT_ID_LENGTH = 8


def generate_short_id() -> str:
    """8 characters drawn uniformly from [A-Za-z0-9] with a CSPRNG."""
    return "".join(secrets.choice(BASE62) for _ in range(SHORT_ID_LENGTH))


class Tag(models.Model):
    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="unique_team_tag")]

    def __str__(self) -> str:
        return self.name


class Insight(models.Model):
    """A saved insight: a legacy ``filters`` dict and/or a ``query`` node, plus metadata.

    ``short_id`` is unique per team. Deletion is soft (``deleted=True``).
    """

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="insights")
    short_id = models.CharField(max_length=12, default=generate_short_id)
    name = models.CharField(max_length=400, null=True, blank=True)
    derived_name = models.CharField(max_length=400, null=True, blank=True)
    description = models.CharField(max_length=400, null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    query = models.JSONField(null=True, blank=True)
    order = models.IntegerField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    favorited = models.BooleanField(default=False)
    saved = models.BooleanField(default=False)
    is_sample = models.BooleanField(default=False)
    # Deprecated columns PostHog still shows on the basic serializer.
    last_refresh = models.DateTimeField(null=True, blank=True)
    refreshing = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    last_modified_at = models.DateTimeField(default=timezone.now)
    last_modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="insights")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "short_id"], name="unique_team_short_id")]
        indexes = [models.Index(fields=["team", "deleted", "order"])]

    def __str__(self) -> str:
        return self.name or self.derived_name or self.short_id


class InsightViewed(models.Model):
    """The last time a user (or an anonymous shared-link visitor) opened an insight."""

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    insight = models.ForeignKey(Insight, on_delete=models.CASCADE, related_name="views")
    last_viewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user", "insight"],
                name="unique_insight_view_per_user",
                condition=models.Q(user__isnull=False),
            )
        ]
        indexes = [models.Index(fields=["team", "user", "-last_viewed_at"])]

    def __str__(self) -> str:
        return f"insight {self.insight_id} viewed by {self.user_id}"
