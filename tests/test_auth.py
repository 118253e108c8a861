"""The authentication and scope matrix, through HTTP on a protected route."""

from __future__ import annotations

import pytest
from django.test import override_settings

from access_control.models import PersonalAPIKey
from access_control.services import revoke_personal_api_key
from tests.factories import make_key

pytestmark = pytest.mark.django_db
PREFIXES = ["projects", "environments"]


@pytest.fixture(params=PREFIXES)
def project_url(request):
    """The protected route under each URL prefix."""
    return lambda team_id: f"/api/{request.param}/{team_id}/"


def test_no_key_is_401(client, team, project_url):
    response = client.get(project_url(team.id))
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer phx_notarealkey", "Bearer ", "Bearer phx_" + "a" * 48])
def test_malformed_or_unknown_key_is_401(client, team, header, project_url):
    response = client.get(project_url(team.id), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_unknown_key_names_where_it_was_found(client, team, project_url):
    response = client.get(project_url(team.id), {"personal_api_key": "phx_nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Personal API key found in request query string is invalid."


def test_revoked_key_is_401(client, owner, project_url):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.key}")
    assert client.get(project_url(owner.team.id)).status_code == 200
    revoke_personal_api_key(key=PersonalAPIKey.objects.get(user=owner.user))
    response = client.get(project_url(owner.team.id))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_inactive_user_key_is_401(client, owner, project_url):
    owner.user.is_active = False
    owner.user.save()
    assert client.get(project_url(owner.team.id), **owner.auth).status_code == 401


def test_missing_scope_is_403_naming_it(client, owner, project_url):
    key = make_key(owner.user, ["insight:read"])
    response = client.get(project_url(owner.team.id), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'project:read'",
        "attr": None,
    }


def test_write_scope_implies_read(client, owner, project_url):
    key = make_key(owner.user, ["project:write"])
    assert client.get(project_url(owner.team.id), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_other_organizations_project_is_404(client, owner, outsider, project_url):
    response = client.get(project_url(outsider.team.id), **owner.auth)
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


@pytest.mark.parametrize("raw_id", ["999999", "abc", "1.5"])
def test_unknown_project_is_404(client, owner, raw_id):
    response = client.get(f"/api/projects/{raw_id}/", **owner.auth)
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_good_key_is_200_with_the_project(client, owner, project_url):
    response = client.get(project_url(owner.team.id), **owner.auth)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == owner.team.id
    assert body["api_token"] == owner.team.api_token


def test_current_resolves_to_the_users_team(client, owner):
    response = client.get("/api/projects/@current/", **owner.auth)
    assert response.status_code == 200
    assert response.json()["id"] == owner.team.id


def test_key_scoped_to_another_team_is_403(client, owner, project_url):
    key = make_key(owner.user, ["*"], scoped_teams=[owner.team.id + 1000])
    response = client.get(project_url(owner.team.id), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == f"API key does not have access to the requested project: ID {owner.team.id}."
    )


def test_key_in_body_and_query_string(client, owner, project_url):
    response = client.get(project_url(owner.team.id), {"personal_api_key": owner.key})
    assert response.status_code == 200


def test_only_a_hash_is_stored(owner):
    stored = PersonalAPIKey.objects.get(user=owner.user)
    assert owner.key.startswith("phx_") and len(owner.key) >= 44
    assert owner.key not in stored.secure_value
    assert stored.secure_value.startswith("sha256$")
    assert stored.mask_value == f"{owner.key[:4]}...{owner.key[-4:]}"


def test_unknown_api_route_is_json_404(client, owner):
    response = client.get("/api/nothing-here/", **owner.auth)
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Endpoint not found.",
        "attr": None,
    }


@override_settings(THROTTLE_BURST="3/min", THROTTLE_SUSTAINED="100/hour")
def test_rate_limit_is_429_with_retry_after(client, owner, project_url):
    statuses = [client.get(project_url(owner.team.id), **owner.auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(project_url(owner.team.id), **owner.auth)
    assert response.json()["type"] == "throttled_error"
    assert int(response["Retry-After"]) > 0


def test_session_login_works(client, owner, project_url):
    client.force_login(owner.user)
    assert client.get(project_url(owner.team.id)).status_code == 200


def test_users_me(client, owner):
    body = client.get("/api/users/@me/", **owner.auth).json()
    assert body["email"] == "alice@example.com"
    assert set(body) >= {"id", "uuid", "distinct_id", "first_name", "last_name", "is_email_verified"}
