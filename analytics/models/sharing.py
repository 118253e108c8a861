"""Public links to an insight, authenticated by an unguessable access token."""

from __future__ import annotations

import secrets

from django.db import models


def generate_access_token() -> str:
    """22 random bytes (176 bits), URL-safe base64."""
    return secrets.token_urlsafe(22)


class SharingConfiguration(models.Model):
    """One row per token: rotating a token expires the old row and adds a new one.

    A token authenticates only while its row is enabled and not expired.
    """

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="+")
    insight = models.ForeignKey(
        "analytics.Insight", on_delete=models.CASCADE, related_name="sharing_configurations"
    )
    enabled = models.BooleanField(default=False)
    access_token = models.CharField(max_length=400, unique=True, default=generate_access_token)
    # PostHog's display settings of the shared page (whitelabel, noHeader, legend, detailed…):
    # defaults the page's query string can add to.
    settings = models.JSONField(null=True, blank=True)
    # Always false here: password-protected links are refused (PostHog's field, for clients).
    password_required = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sharing of insight {self.insight_id} ({'on' if self.enabled else 'off'})"
