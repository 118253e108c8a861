"""``/api/personal_api_keys/``: listing, creating and revoking keys."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_session_creates_a_key_shown_once(client, owner):
    client.force_login(owner.user)
    response = client.post(
        "/api/personal_api_keys/", {"label": "ci", "scopes": ["insight:read"]}, format="json"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["value"].startswith("phx_")
    assert created["mask_value"] == f"{created['value'][:4]}...{created['value'][-4:]}"
    listed = client.get("/api/personal_api_keys/").json()
    assert {key["id"] for key in listed} == {
        created["id"],
        *[k["id"] for k in listed if k["label"] == "test"],
    }
    assert all(key["value"] is None for key in listed)
    # The new key works and carries only its scope.
    key_client = type(client)()
    key_client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['value']}")
    assert key_client.get(f"/api/projects/{owner.team.id}/").status_code == 403


def test_invalid_scope_is_400(client, owner):
    client.force_login(owner.user)
    response = client.post(
        "/api/personal_api_keys/", {"label": "x", "scopes": ["nothing:read"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["attr"] == "scopes"
    assert "Invalid scope: nothing:read" in response.json()["detail"]


def test_a_key_cannot_create_keys(client, owner):
    response = client.post(
        "/api/personal_api_keys/", {"label": "x", "scopes": ["*"]}, format="json", **owner.auth
    )
    assert response.status_code == 403


def test_current_key_and_revocation(client, owner):
    current = client.get("/api/personal_api_keys/@current/", **owner.auth)
    assert current.status_code == 200
    assert current.json()["scopes"] == ["*"]
    client.force_login(owner.user)
    assert client.delete(f"/api/personal_api_keys/{current.json()['id']}/").status_code == 204
    client.logout()
    assert client.get(f"/api/projects/{owner.team.id}/", **owner.auth).status_code == 401


def test_cli_mints_a_scoped_key(client, owner):
    out = io.StringIO()
    call_command(
        "create_personal_api_key", "--email", owner.user.email, "--scopes", "project:read", stdout=out
    )
    value = out.getvalue().strip()
    assert value.startswith("phx_")
    assert (
        client.get(f"/api/projects/{owner.team.id}/", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 200
    )
