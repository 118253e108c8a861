"""The identity cache (key → user, user + organization → membership) never outlives a change.

Each test makes one request first so the entries are cached, changes something
through the ORM, and checks the very next request sees the change. The entries
live in the Django cache (Redis in CI), so a deleted entry is gone for every
process sharing it: the tests also check the shared entry itself.
"""

from __future__ import annotations

import pytest

from access_control import auth_cache
from access_control.models import PersonalAPIKey, hash_key
from access_control.services import revoke_personal_api_key
from tenancy.models import OrganizationMembership
from tests.factories import join

pytestmark = pytest.mark.django_db


def project(persona_, team=None) -> str:
    return f"/api/projects/{(team or persona_.team).id}/"


def test_a_used_key_is_cached_with_its_user(client, owner):
    assert client.get(project(owner), **owner.auth).status_code == 200
    cached = auth_cache.get_key(hash_key(owner.key))
    assert cached is not None and cached.user.email == owner.user.email


def test_revoking_a_cached_key_is_401_at_once_and_clears_the_shared_entry(client, owner):
    assert client.get(project(owner), **owner.auth).status_code == 200
    revoke_personal_api_key(key=PersonalAPIKey.objects.get(user=owner.user))
    assert auth_cache.get_key(hash_key(owner.key)) is None
    assert client.get(project(owner), **owner.auth).status_code == 401


def test_deleting_a_cached_key_is_401_at_once(client, owner):
    assert client.get(project(owner), **owner.auth).status_code == 200
    PersonalAPIKey.objects.get(user=owner.user).delete()
    assert client.get(project(owner), **owner.auth).status_code == 401


def test_deactivating_the_user_of_a_cached_key_is_401_at_once(client, owner):
    assert client.get(project(owner), **owner.auth).status_code == 200
    owner.user.is_active = False
    owner.user.save(update_fields=["is_active"])
    assert auth_cache.get_key(hash_key(owner.key)) is None
    assert client.get(project(owner), **owner.auth).status_code == 401


def test_removing_a_cached_membership_is_404_at_once(client, owner, member):
    assert client.get(project(member), **member.auth).status_code == 200
    OrganizationMembership.objects.get(user=member.user).delete()
    assert client.get(project(member), **member.auth).status_code == 404


def test_joining_after_a_cached_refusal_is_200_at_once(client, owner, outsider):
    assert client.get(project(outsider, owner.team), **outsider.auth).status_code == 404
    join(outsider.user, owner.team.organization)
    assert client.get(project(outsider, owner.team), **outsider.auth).status_code == 200


def test_changing_a_cached_membership_level_applies_at_once(client, owner, member):
    insight = client.post(
        f"/api/projects/{owner.team.id}/insights/", {"name": "Mine"}, format="json", **owner.auth
    )
    url = f"/api/projects/{owner.team.id}/insights/{insight.json()['id']}/"
    # A plain member who did not create the insight edits it; an admin manages it.
    assert client.get(url, **member.auth).json()["user_access_level"] == "editor"
    membership = OrganizationMembership.objects.get(user=member.user)
    membership.level = OrganizationMembership.Level.ADMIN
    membership.save()
    assert client.get(url, **member.auth).json()["user_access_level"] == "manager"


def test_changing_a_cached_team_applies_at_once(client, owner):
    assert client.get(project(owner), **owner.auth).json()["timezone"] == "UTC"
    owner.team.timezone = "Europe/Paris"
    owner.team.save()
    assert client.get(project(owner), **owner.auth).json()["timezone"] == "Europe/Paris"


def test_deleting_a_cached_team_is_404_at_once(client, owner):
    assert client.get(project(owner), **owner.auth).status_code == 200
    owner.team.delete()  # the membership stays: only the team's own entry can say it is gone
    assert client.get(project(owner), **owner.auth).status_code == 404


def test_an_entry_cached_again_before_commit_is_deleted_on_commit(
    client, owner, django_capture_on_commit_callbacks
):
    assert client.get(project(owner), **owner.auth).status_code == 200
    stale = auth_cache.get_key(hash_key(owner.key))
    with django_capture_on_commit_callbacks(execute=True):
        revoke_personal_api_key(key=PersonalAPIKey.objects.get(user=owner.user))
        auth_cache.set_key(stale)  # a concurrent request that read the row before the commit
    assert auth_cache.get_key(hash_key(owner.key)) is None
    assert client.get(project(owner), **owner.auth).status_code == 401
