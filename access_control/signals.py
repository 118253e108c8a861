"""Deletes cached identities (``access_control.auth_cache``) the moment what they depend on changes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from access_control import auth_cache
from access_control.models import PersonalAPIKey
from tenancy.models import Organization, OrganizationMembership, Project, Team


def _key_changed(sender, instance: PersonalAPIKey, **kwargs) -> None:
    auth_cache.forget_keys([instance.secure_value])


def _user_changed(sender, instance, **kwargs) -> None:
    # Deactivation (or any user change) must reach every key of the user at once.
    values = PersonalAPIKey.objects.filter(user_id=instance.pk).values_list("secure_value", flat=True)
    auth_cache.forget_keys(values)


def _membership_changed(sender, instance: OrganizationMembership, **kwargs) -> None:
    auth_cache.forget_membership(instance.user_id, instance.organization_id)


def _team_changed(sender, instance: Team, **kwargs) -> None:
    auth_cache.forget_teams([instance.pk])


def _organization_changed(sender, instance: Organization, **kwargs) -> None:
    auth_cache.forget_teams(Team.objects.filter(organization_id=instance.pk).values_list("id", flat=True))


def _project_changed(sender, instance: Project, **kwargs) -> None:
    auth_cache.forget_teams(Team.objects.filter(project_id=instance.pk).values_list("id", flat=True))


def connect() -> None:
    user_model = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(_key_changed, sender=PersonalAPIKey, dispatch_uid=f"auth_cache_key_{signal}")
        signal.connect(_user_changed, sender=user_model, dispatch_uid=f"auth_cache_user_{signal}")
        signal.connect(
            _membership_changed, sender=OrganizationMembership, dispatch_uid=f"auth_cache_member_{signal}"
        )
        signal.connect(_team_changed, sender=Team, dispatch_uid=f"auth_cache_team_{signal}")
        signal.connect(_organization_changed, sender=Organization, dispatch_uid=f"auth_cache_org_{signal}")
        signal.connect(_project_changed, sender=Project, dispatch_uid=f"auth_cache_project_{signal}")
