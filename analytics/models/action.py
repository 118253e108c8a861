"""Saved actions: a named OR of steps, usable as a series in any insight."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Action(models.Model):
    """An action of a team.

    ``steps`` is a list of step dicts as the REST API writes them
    (``analytics/serializers/actions.py``): ``event``, ``url`` + ``url_matching``,
    ``properties``, and the autocapture matchers ``selector``, ``tag_name``,
    ``text`` + ``text_matching``, ``href`` + ``href_matching``. A step matches
    when every part it sets matches; the action matches when any step does.
    Deletion is soft (``deleted=True``).
    """

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(max_length=400)
    description = models.TextField(blank=True, default="")
    steps = models.JSONField(default=list, blank=True)
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Kept for PostHog's shape: actions are matched at query time, never precomputed.
    last_calculated_at = models.DateTimeField(null=True, blank=True)
    post_to_slack = models.BooleanField(default=False)
    slack_message_format = models.CharField(max_length=1200, blank=True, default="")
    pinned_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField("analytics.Tag", blank=True, related_name="actions")

    class Meta:
        indexes = [models.Index(fields=["team", "deleted"])]

    def __str__(self) -> str:
        return self.name
