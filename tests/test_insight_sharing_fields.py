"""PostHog's insight fields ``last_viewed_at`` and ``alerts``, and sharing's ``settings``,
``password_required`` and ``share_passwords``."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import Insight, InsightViewed

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


@pytest.fixture
def insight(team, owner):
    return Insight.objects.create(team=team, name="Shared one", created_by=owner.user)


def test_last_viewed_at_is_the_callers_own_last_view(api, url, insight, member):
    assert api.get(url(f"{insight.id}/")).json()["last_viewed_at"] is None
    assert api.post(url(f"{insight.id}/viewed/")).status_code in (200, 201, 204)
    mine = InsightViewed.objects.get(insight=insight, user__email="alice@example.com").last_viewed_at
    body = api.get(url(f"{insight.id}/")).json()
    assert body["last_viewed_at"] == mine.isoformat().replace("+00:00", "Z")
    assert body["alerts"] == []
    listed = api.get(url()).json()["results"]
    assert [(i["id"], i["last_viewed_at"]) for i in listed] == [(insight.id, body["last_viewed_at"])]
    # Another member has not opened it: null for them, whatever others did.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {member.key}")
    assert other.get(url(f"{insight.id}/")).json()["last_viewed_at"] is None
    InsightViewed.objects.create(
        team=insight.team, user=member.user, insight=insight, last_viewed_at=timezone.now()
    )
    theirs = other.get(url(f"{insight.id}/")).json()["last_viewed_at"]
    assert theirs is not None and theirs != body["last_viewed_at"]


def test_sharing_settings_are_saved_and_shape_the_shared_page(api, url, insight, client):
    initial = api.get(url(f"{insight.id}/sharing/")).json()
    assert initial["settings"] is None
    assert initial["password_required"] is False and initial["share_passwords"] == []
    patched = api.patch(
        url(f"{insight.id}/sharing/"),
        {"enabled": True, "settings": {"whitelabel": True, "noHeader": True}},
        format="json",
    ).json()
    assert patched["enabled"] is True and patched["settings"] == {"whitelabel": True, "noHeader": True}
    token = patched["access_token"]
    public = client.get(f"/shared/{token}.json").json()
    assert public["whitelabel"] is True and public["noHeader"] is True and "legend" not in public
    # The query string adds to them.
    assert client.get(f"/shared/{token}.json?legend").json()["legend"] is True
    # A PATCH of settings alone keeps the link on; rotating the token keeps the settings.
    kept = api.patch(url(f"{insight.id}/sharing/"), {"settings": {"legend": True}}, format="json").json()
    assert kept["enabled"] is True and kept["settings"] == {"legend": True}
    rotated = api.post(url(f"{insight.id}/sharing/refresh/")).json()
    assert rotated["access_token"] != token and rotated["settings"] == {"legend": True}


@pytest.mark.parametrize(
    ("body", "attr", "needle"),
    [
        ({"password_required": True}, "password_required", "Password-protected sharing is not supported"),
        ({"settings": {"colour": "red"}}, "settings", "settings.colour is not supported"),
        ({"settings": {"whitelabel": "yes"}}, "settings", "booleans"),
        ({"settings": []}, "settings", "must be an object"),
    ],
)
def test_unsupported_sharing_options_are_refused_by_name(api, url, insight, body, attr, needle):
    response = api.patch(url(f"{insight.id}/sharing/"), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == attr and needle in response.json()["detail"]
    assert api.get(url(f"{insight.id}/sharing/")).json()["settings"] is None
