"""Sharing an insight by link: enable/disable, rotate the token, resolve a token."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from analytics.models import Insight, SharingConfiguration
from analytics.services.activity import change, log_activity
from analytics.services.insights import SCOPE


def _current(insight: Insight) -> SharingConfiguration | None:
    live = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    return insight.sharing_configurations.filter(live).order_by("-created_at", "-id").first()


def sharing_configuration(*, insight: Insight) -> SharingConfiguration:
    """The insight's current configuration, created disabled on first use.

    Persisting it at once keeps the token a client reads stable until it is rotated.
    """
    return _current(insight) or SharingConfiguration.objects.create(
        team=insight.team, insight=insight, enabled=False
    )


def _log(*, insight: Insight, user: Any, activity: str, before: Any, after: Any) -> None:
    log_activity(
        team=insight.team,
        user=user,
        scope=SCOPE,
        item_id=insight.id,
        activity=activity,
        name=insight.name or insight.derived_name,
        short_id=insight.short_id,
        changes=[change(type=SCOPE, field="sharing", before=before, after=after)],
    )


KEEP = object()


@transaction.atomic
def set_sharing(
    *, insight: Insight, user: Any, enabled: bool | None, settings: Any = KEEP
) -> SharingConfiguration:
    """Persist the enabled flag (None keeps it) and the page settings (``KEEP`` keeps them);
    logs ``sharing enabled``/``sharing disabled`` when the flag changes."""
    config = sharing_configuration(insight=insight)
    was_enabled = config.enabled
    if enabled is not None:
        config.enabled = enabled
    if settings is not KEEP:
        config.settings = settings
    config.save()
    enabled = config.enabled
    if was_enabled != enabled:
        activity = "sharing enabled" if enabled else "sharing disabled"
        _log(insight=insight, user=user, activity=activity, before=was_enabled, after=enabled)
    return config


@transaction.atomic
def rotate_access_token(*, insight: Insight, user: Any) -> SharingConfiguration:
    """A new token replaces the old one at once: the old token stops working immediately."""
    old = sharing_configuration(insight=insight)
    enabled = old.enabled
    old.expires_at = timezone.now()
    old.enabled = False
    old.save(update_fields=["expires_at", "enabled"])
    config = SharingConfiguration.objects.create(
        team=insight.team, insight=insight, enabled=enabled, settings=old.settings
    )
    _log(insight=insight, user=user, activity="access token refreshed", before=None, after=enabled)
    return config


def config_for_token(token: str | None) -> SharingConfiguration | None:
    """The enabled, unexpired configuration of a live insight for ``token``, else None."""
    if not token:
        return None
    config = (
        SharingConfiguration.objects.select_related("insight", "team", "team__organization")
        .filter(access_token=token, enabled=True, insight__deleted=False)
        .first()
    )
    if config is None or (config.expires_at is not None and config.expires_at <= timezone.now()):
        return None
    return config
