"""Sharing an insight: enable, disable, rotate; public reads by token only while enabled."""

from __future__ import annotations

import pytest

from analytics.models import Insight, InsightViewed
from tests.factories import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


@pytest.fixture
def insight(team, owner):
    return Insight.objects.create(team=team, name="Shared one", created_by=owner.user)


def _enable(api, url, insight):
    response = api.patch(url(f"{insight.id}/sharing/"), {"enabled": True}, format="json")
    assert response.status_code == 200
    return response.json()


def test_sharing_starts_disabled_with_a_stable_token(api, url, insight, client):
    body = api.get(url(f"{insight.id}/sharing/")).json()
    assert body["enabled"] is False and body["created_at"] is not None
    assert len(body["access_token"]) >= 30  # 22 random bytes (176 bits) in URL-safe base64
    assert api.get(url(f"{insight.id}/sharing/")).json()["access_token"] == body["access_token"]
    assert client.get(f"/shared/{body['access_token']}.json").status_code == 404
    enabled = api.patch(url(f"{insight.id}/sharing/"), {"enabled": True}, format="json").json()
    assert enabled["access_token"] == body["access_token"]
    assert client.get(f"/shared/{body['access_token']}.json").status_code == 200


def test_enable_disable_and_public_json(api, url, insight, client):
    shared = _enable(api, url, insight)
    assert shared["enabled"] is True and shared["created_at"] is not None
    token = shared["access_token"]
    assert api.get(url(f"{insight.id}/sharing/")).json()["access_token"] == token
    public = client.get(f"/shared/{token}.json")
    assert public.status_code == 200
    body = public.json()
    assert body["type"] == "scene" and body["accessToken"] == token and body["themes"] == []
    assert body["insight"]["id"] == insight.id and body["insight"]["name"] == "Shared one"
    # Via a token the viewer can only view.
    assert body["insight"]["effective_restriction_level"] == 37
    assert body["insight"]["effective_privilege_level"] == 21
    assert client.get(f"/embedded/{token}.json", {"whitelabel": ""}).json()["type"] == "embed"
    assert client.get(f"/embedded/{token}.json", {"whitelabel": ""}).json()["whitelabel"] is True
    page = client.get(f"/shared/{token}")
    assert page.status_code == 200 and b"Shared one" in page.content
    # Anonymous views are recorded without a user.
    assert InsightViewed.objects.filter(insight=insight, user__isnull=True).count() == 1
    api.patch(url(f"{insight.id}/sharing/"), {"enabled": False}, format="json")
    assert client.get(f"/shared/{token}.json").status_code == 404


def test_rotation_invalidates_old_token(api, url, insight, client):
    old = _enable(api, url, insight)["access_token"]
    rotated = api.post(url(f"{insight.id}/sharing/refresh/"))
    assert rotated.status_code == 200
    new = rotated.json()["access_token"]
    assert new != old and rotated.json()["enabled"] is True
    assert client.get(f"/shared/{old}.json").status_code == 404
    assert client.get(f"/shared/{new}.json").status_code == 200
    assert api.get(url(f"{insight.id}/sharing/")).json()["access_token"] == new


def test_deleted_insight_is_not_shared(api, url, insight, client):
    token = _enable(api, url, insight)["access_token"]
    api.patch(url(f"{insight.id}/"), {"deleted": True}, format="json")
    assert client.get(f"/shared/{token}.json").status_code == 404
    assert client.get("/shared/not-a-token.json").status_code == 404


def test_sharing_is_logged(api, url, insight):
    _enable(api, url, insight)
    api.post(url(f"{insight.id}/sharing/refresh/"))
    api.patch(url(f"{insight.id}/sharing/"), {"enabled": False}, format="json")
    entries = api.get(url(f"{insight.id}/activity/")).json()["results"]
    assert [e["activity"] for e in entries] == [
        "sharing disabled",
        "access token refreshed",
        "sharing enabled",
    ]
    assert entries[2]["detail"]["changes"] == [
        {"type": "Insight", "action": "changed", "field": "sharing", "before": False, "after": True}
    ]
    assert entries[0]["detail"]["changes"][0]["before"] is True
    assert entries[0]["detail"]["changes"][0]["after"] is False


def test_sharing_scopes(client, owner, url, insight):
    reader = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner.user, ['sharing_configuration:read'])}"}
    writer = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner.user, ['sharing_configuration:write'])}"}
    insight_only = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner.user, ['insight:write'])}"}
    assert client.get(url(f"{insight.id}/sharing/"), **reader).status_code == 200
    denied = client.patch(url(f"{insight.id}/sharing/"), {"enabled": True}, format="json", **reader)
    assert denied.status_code == 403
    assert denied.json()["detail"] == "API key missing required scope 'sharing_configuration:write'"
    assert client.post(url(f"{insight.id}/sharing/refresh/"), **reader).status_code == 403
    assert (
        client.patch(url(f"{insight.id}/sharing/"), {"enabled": True}, format="json", **writer).status_code
        == 200
    )
    assert client.get(url(f"{insight.id}/sharing/"), **writer).status_code == 200
    assert client.get(url(f"{insight.id}/sharing/"), **insight_only).status_code == 403


def test_sharing_of_unknown_insight_is_404(api, url):
    response = api.get(url("777777/sharing/"))
    assert response.status_code == 404
    assert response.json()["detail"] == "Insight not found."


def test_sharing_access_token_reads_only_its_insight(api, url, insight, team, client):
    other = Insight.objects.create(team=team, name="Private")
    token = _enable(api, url, insight)["access_token"]
    listed = client.get(url(), {"sharing_access_token": token})
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["results"]] == [insight.id]
    assert client.get(url(f"{insight.id}/"), {"sharing_access_token": token}).status_code == 200
    assert client.get(url(f"{other.id}/"), {"sharing_access_token": token}).status_code == 404
    write = client.patch(
        url(f"{insight.id}/") + f"?sharing_access_token={token}", {"name": "x"}, format="json"
    )
    assert write.status_code == 401
    assert write.json()["detail"] == "Sharing access token can only be used for GET requests."
    assert client.get(url(f"{insight.id}/activity/"), {"sharing_access_token": token}).status_code == 403
    bad = client.get(url(), {"sharing_access_token": "nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "Sharing access token is invalid."
    api.patch(url(f"{insight.id}/sharing/"), {"enabled": False}, format="json")
    assert client.get(url(), {"sharing_access_token": token}).status_code == 401


def test_sharing_access_token_of_another_team_is_403(api, url, insight, outsider, client):
    token = _enable(api, url, insight)["access_token"]
    response = client.get(f"/api/projects/{outsider.team.id}/insights/", {"sharing_access_token": token})
    assert response.status_code == 403
