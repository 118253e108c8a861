"""Cohorts: named sets of persons, dynamic (a definition) or static (a stored list).

Membership lives in ClickHouse (``cohortpeople``, ``query_engine/cohorts``): each
calculation writes a new ``version`` and only then makes it the readable one, so
readers never see a half-written set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Cohort(models.Model):
    """A cohort of a team; ``version`` is the membership version readers use (None: none yet)."""

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=400, null=True, blank=True)
    description = models.CharField(max_length=1000, blank=True, default="")
    # PostHog's legacy definition (an OR of groups); ``filters`` is the current one.
    groups = models.JSONField(default=list, blank=True)
    filters = models.JSONField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    is_static = models.BooleanField(default=False)
    is_calculating = models.BooleanField(default=False)
    last_calculation = models.DateTimeField(null=True, blank=True)
    errors_calculating = models.IntegerField(default=0)
    last_error_at = models.DateTimeField(null=True, blank=True)
    count = models.IntegerField(null=True, blank=True)
    version = models.IntegerField(null=True, blank=True)
    pending_version = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["team", "deleted"], name="cohort_team_deleted")]

    def __str__(self) -> str:
        return self.name or f"Cohort {self.pk}"
