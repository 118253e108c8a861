"""Personal API keys: only a hash is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.tokens import base62_token

KEY_PREFIX = "phx_"


def hash_key(value: str) -> str:
    return "sha256$" + hashlib.sha256(value.encode()).hexdigest()


def mask(value: str) -> str:
    return f"{value[:4]}...{value[-4:]}"


def _key_id() -> str:
    return secrets.token_urlsafe(12)


class PersonalAPIKey(models.Model):
    id = models.CharField(primary_key=True, max_length=50, default=_key_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(max_length=40)
    secure_value = models.CharField(max_length=300, unique=True)
    mask_value = models.CharField(max_length=11)
    scopes = models.JSONField(default=list)
    scoped_teams = models.JSONField(default=list, blank=True)
    scoped_organizations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.mask_value})"


def generate_key_value() -> str:
    # 35 random bytes in base62: 48 characters after the prefix.
    return KEY_PREFIX + base62_token(35)
