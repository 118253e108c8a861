"""Creating, finding and revoking personal API keys."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from access_control import auth_cache
from access_control.models import PersonalAPIKey, generate_key_value, hash_key, mask
from access_control.scopes import is_valid_scope

MAX_KEYS_PER_USER = 10
LAST_USED_RESOLUTION = timedelta(hours=1)


def create_personal_api_key(
    *,
    user,
    label: str,
    scopes: list[str],
    scoped_teams: list[int] | None = None,
    scoped_organizations: list[str] | None = None,
) -> tuple[PersonalAPIKey, str]:
    """Returns the key record and its plaintext value, which is never stored."""
    if not scopes:
        raise ValidationError({"scopes": "At least one scope is required."})
    for scope in scopes:
        if not is_valid_scope(scope):
            raise ValidationError({"scopes": f"Invalid scope: {scope}"})
    if PersonalAPIKey.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_KEYS_PER_USER:
        raise ValidationError(f"You can only have {MAX_KEYS_PER_USER} personal API keys.")
    value = generate_key_value()
    key = PersonalAPIKey.objects.create(
        user=user,
        label=label[:40],
        secure_value=hash_key(value),
        mask_value=mask(value),
        scopes=list(scopes),
        scoped_teams=list(scoped_teams or []),
        scoped_organizations=[str(org) for org in scoped_organizations or []],
    )
    return key, value


def find_active_key(value: str) -> PersonalAPIKey | None:
    """The unrevoked key of an active user with this value, from the identity cache when there."""
    secure_value = hash_key(value)
    return active_key(secure_value, cached=auth_cache.get_key(secure_value))


def active_key(secure_value: str, *, cached: PersonalAPIKey | None) -> PersonalAPIKey | None:
    """``find_active_key`` for a caller that already read the identity cache (``cached``: what it found)."""
    key = cached
    if key is None:
        try:
            key = PersonalAPIKey.objects.select_related("user").get(
                secure_value=secure_value, revoked_at__isnull=True
            )
        except PersonalAPIKey.DoesNotExist:
            return None
        if not key.user.is_active:
            return None
        auth_cache.set_key(key)
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        PersonalAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        auth_cache.set_key(key)
    return key


def revoke_personal_api_key(*, key: PersonalAPIKey) -> None:
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
