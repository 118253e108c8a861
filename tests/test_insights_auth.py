"""The auth matrix on the insights list route, seed routes with personal API keys, and isolation."""

from __future__ import annotations

import pytest

from access_control.models import PersonalAPIKey
from access_control.services import revoke_personal_api_key
from analytics.models import AccessControl, ActivityLog, Insight, InsightViewed, SharingConfiguration
from analytics.services.sharing import set_sharing
from tests.factories import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["projects", "environments"])
def prefix(request):
    return request.param


def list_url(prefix, team_id):
    return f"/api/{prefix}/{team_id}/insights/"


def test_no_key_is_401(client, team, prefix):
    response = client.get(list_url(prefix, team.id))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header", ["Bearer phx_notarealkey", "Bearer ", "Token abc", "Bearer phx_" + "a" * 48]
)
def test_malformed_key_is_401(client, team, prefix, header):
    response = client.get(list_url(prefix, team.id), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_key_is_401(client, owner, prefix):
    assert client.get(list_url(prefix, owner.team.id), **owner.auth).status_code == 200
    revoke_personal_api_key(key=PersonalAPIKey.objects.get(user=owner.user))
    response = client.get(list_url(prefix, owner.team.id), **owner.auth)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_missing_scope_is_403(client, owner, prefix):
    key = make_key(owner.user, ["dashboard:read"])
    response = client.get(list_url(prefix, owner.team.id), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'insight:read'"
    reader = make_key(owner.user, ["insight:read"])
    created = client.post(
        list_url(prefix, owner.team.id), {"name": "x"}, format="json", HTTP_AUTHORIZATION=f"Bearer {reader}"
    )
    assert created.status_code == 403
    assert created.json()["detail"] == "API key missing required scope 'insight:write'"


def test_other_organization_is_404(client, owner, outsider, prefix):
    response = client.get(list_url(prefix, outsider.team.id), **owner.auth)
    assert response.status_code == 404
    assert response.json()["detail"] == "Project not found."


def test_good_key_is_200_and_current_works(client, owner, prefix):
    assert client.get(list_url(prefix, owner.team.id), **owner.auth).status_code == 200
    assert client.get(list_url(prefix, "@current"), **owner.auth).status_code == 200


def test_key_scoped_to_other_team_is_403(client, owner, outsider, prefix):
    key = make_key(owner.user, ["*"], scoped_teams=[outsider.team.id])
    assert client.get(list_url(prefix, owner.team.id), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403


def _walk(client, base, insight_ref, auth):
    """Every insight route with ``auth``; returns {route: status}."""
    one = f"{base}{insight_ref}/"
    calls = {
        "list": lambda: client.get(base, **auth),
        "list csv": lambda: client.get(base, {"format": "csv"}, **auth),
        "create": lambda: client.post(base, {"name": "intruder"}, format="json", **auth),
        "retrieve": lambda: client.get(one, **auth),
        "patch": lambda: client.patch(one, {"name": "pwned"}, format="json", **auth),
        "put": lambda: client.put(one, {"name": "pwned"}, format="json", **auth),
        "delete": lambda: client.delete(one, **auth),
        "activity": lambda: client.get(f"{base}activity/", **auth),
        "insight activity": lambda: client.get(f"{one}activity/", **auth),
        "viewed": lambda: client.post(f"{one}viewed/", **auth),
        "bulk viewed": lambda: client.post(
            f"{base}viewed/", {"insight_ids": [insight_ref]}, format="json", **auth
        ),
        "my_last_viewed": lambda: client.get(f"{base}my_last_viewed/", **auth),
        "sharing": lambda: client.get(f"{one}sharing/", **auth),
        "sharing patch": lambda: client.patch(f"{one}sharing/", {"enabled": True}, format="json", **auth),
        "sharing refresh": lambda: client.post(f"{one}sharing/refresh/", **auth),
        "access_controls": lambda: client.get(f"{one}access_controls/", **auth),
        "access_controls put": lambda: client.put(
            f"{one}access_controls/", {"access_level": "none"}, format="json", **auth
        ),
        "timing": lambda: client.post(f"{base}timing/", {}, format="json", **auth),
        "cancel": lambda: client.post(f"{base}cancel/", {"client_query_id": "x"}, format="json", **auth),
        "soft delete": lambda: client.patch(one, {"deleted": True}, format="json", **auth),
    }
    return {name: call().status_code for name, call in calls.items()}


@pytest.mark.clickhouse  # /insights/cancel/ cancels on the event store
def test_team_b_key_cannot_see_or_change_team_a(client, owner, outsider, prefix):
    insight = Insight.objects.create(team=owner.team, name="A's insight", created_by=owner.user)
    config = set_sharing(insight=insight, user=owner.user, enabled=True)
    logged_before = ActivityLog.objects.filter(item_id=str(insight.id)).count()
    # Through team A's URL: the project itself is invisible.
    statuses = _walk(client, list_url(prefix, owner.team.id), insight.id, outsider.auth)
    assert set(statuses.values()) == {404}, statuses
    # Through team B's own URL, by id and by short_id: A's insight is simply absent.
    for ref in (insight.id, insight.short_id):
        statuses = _walk(client, list_url(prefix, outsider.team.id), ref, outsider.auth)
        expected_ok = {
            "list",
            "list csv",
            "create",
            "activity",
            "my_last_viewed",
            "timing",
            "cancel",
            "bulk viewed",
        }
        # DELETE never looks the object up: 405 whatever the id.
        assert statuses.pop("delete") == 405
        assert {k: v for k, v in statuses.items() if k not in expected_ok} == {
            k: 404 for k in statuses if k not in expected_ok
        }
    listed = client.get(list_url(prefix, outsider.team.id), **outsider.auth).json()["results"]
    assert insight.id not in [item["id"] for item in listed]
    activity = client.get(f"{list_url(prefix, outsider.team.id)}activity/", **outsider.auth).json()["results"]
    assert str(insight.id) not in [entry["item_id"] for entry in activity]
    # Team A's sharing token does not open team B's URL, nor A's URL for writes.
    token_read = client.get(list_url(prefix, outsider.team.id), {"sharing_access_token": config.access_token})
    assert token_read.status_code == 403
    insight.refresh_from_db()
    assert insight.name == "A's insight" and insight.deleted is False
    assert not InsightViewed.objects.filter(insight=insight).exclude(user=owner.user).exists()
    assert SharingConfiguration.objects.filter(insight=insight).count() == 1
    assert not AccessControl.objects.exists()
    assert ActivityLog.objects.filter(item_id=str(insight.id)).count() == logged_before


@pytest.mark.clickhouse  # /insights/cancel/ cancels on the event store
def test_every_seed_route_works_with_a_personal_api_key(api, owner, prefix):
    base = list_url(prefix, owner.team.id)
    insight = api.post(base, {"name": "mine"}, format="json").json()
    statuses = _walk(api, base, insight["id"], {})
    assert statuses == {
        "list": 200,
        "list csv": 200,
        "create": 201,
        "retrieve": 200,
        "patch": 200,
        "put": 200,
        "delete": 405,
        "activity": 200,
        "insight activity": 200,
        "viewed": 201,
        "bulk viewed": 201,
        "my_last_viewed": 200,
        "sharing": 200,
        "sharing patch": 200,
        "sharing refresh": 200,
        "access_controls": 200,
        "access_controls put": 200,
        "timing": 201,
        "cancel": 201,
        "soft delete": 200,
    }
