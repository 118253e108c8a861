"""Saved actions: a named OR of steps, usable as a series in any insight."""

from __future__ import annotations

from django.db import models


class Action(models.Model):
    """An action of a team.

    ``steps`` is a list of ``{"event", "url", "url_matching", "properties"}``
    dicts; ``url_matching`` is ``exact``, ``contains`` (default, case-sensitive)
    or ``regex``. A step matches when every part it sets matches.
    """

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(max_length=400)
    description = models.TextField(blank=True, default="")
    steps = models.JSONField(default=list, blank=True)
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
