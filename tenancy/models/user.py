from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from tenancy.tokens import base62_token


def _distinct_id() -> str:
    return base62_token(24)


class EmailUserManager(UserManager):
    def create_user(self, email: str, password: str | None = None, **extra):  # type: ignore[override]
        extra.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):  # type: ignore[override]
        extra.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra)


class User(AbstractUser):
    """A person who uses the API; identified by email."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    distinct_id = models.CharField(max_length=200, unique=True, default=_distinct_id)
    email = models.EmailField(unique=True)
    is_email_verified = models.BooleanField(null=True, blank=True)
    hedgehog_config = models.JSONField(null=True, blank=True)
    current_team = models.ForeignKey("tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    class Meta(AbstractUser.Meta):
        db_table = "analytics_user"

    def teams(self):
        from tenancy.models.organizations import Team

        return Team.objects.filter(organization__memberships__user=self)
