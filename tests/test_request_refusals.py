"""Request shapes refused with a 4xx in the error envelope, never a 500 or an HTML page."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from analytics.models import Insight
from tests.factories import make_key

pytestmark = pytest.mark.django_db

TRENDS = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}


def _insights(team) -> str:
    return f"/api/projects/{team.id}/insights/"


def _envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) >= {"type", "code", "detail", "attr"}
    if code:
        assert body["code"] == code
    return body


@override_settings(REQUEST_MAX_BODY_BYTES=10_000, DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_body_over_the_limit_is_413(api, team):
    body = json.dumps({"name": "x" * 20_000})
    response = api.post(_insights(team), body, content_type="application/json")
    assert "10000 bytes" in _envelope(response, 413, "request_too_large")["detail"]
    assert not Insight.objects.filter(team=team).exists()


def test_json_nested_too_deep_is_400(api, team):
    deep = "[" * 5000 + "]" * 5000
    body = '{"query": ' + json.dumps(TRENDS) + ', "filters": {"x": ' + deep + "}}"
    response = api.post(f"/api/projects/{team.id}/query/", body, content_type="application/json")
    assert "nested deeper than 64" in _envelope(response, 400)["detail"]
    shallow = "[" * 100 + "]" * 100
    response = api.post(
        _insights(team), '{"filters": {"a": ' + shallow + "}}", content_type="application/json"
    )
    assert "nested deeper" in _envelope(response, 400)["detail"]


def test_more_than_1000_form_fields_is_400(api, team):
    form = "&".join(f"f{i}=1" for i in range(1500))
    response = api.post(_insights(team), form, content_type="application/x-www-form-urlencoded")
    _envelope(response, 400, "too_many_fields")
    response = api.get(_insights(team) + "?" + form)
    _envelope(response, 400, "too_many_fields")


def test_nul_character_is_400(api, team):
    response = api.post(_insights(team), {"name": "a\x00b"}, format="json")
    body = _envelope(response, 400)
    assert body["attr"] == "name" and "NUL" in body["detail"]
    assert _envelope(api.get(_insights(team), {"search": "a\x00"}), 400)["attr"] == "search"
    query = {**TRENDS, "properties": [{"key": "a\x00", "value": "b", "type": "event"}]}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert _envelope(response, 400)["attr"] == "query__properties__0__key"
    assert not Insight.objects.filter(team=team).exists()


@pytest.mark.parametrize("number", [2**64, 2**63, -(2**63) - 1, 10**30])
def test_integers_outside_64_bits_are_400_everywhere(api, team, number):
    query_url = f"/api/projects/{team.id}/query/"
    cases = [
        api.post(
            query_url, json.dumps({"query": {**TRENDS, "limit": number}}), content_type="application/json"
        ),
        api.post(
            query_url,
            json.dumps({"query": {**TRENDS, "series": [{"kind": "ActionsNode", "id": number}]}}),
            content_type="application/json",
        ),
        api.get(_insights(team), {"limit": str(number)}),
        api.get(_insights(team), {"offset": str(number)}),
        api.get(_insights(team), {"insight_ids": f"[{number}]"}),
        api.get(f"{_insights(team)}{number}/"),
        api.get(f"/api/projects/{number}/insights/"),
        api.post(_insights(team), json.dumps({"dashboards": [number]}), content_type="application/json"),
        api.get(f"/api/projects/{team.id}/insights/trend/", {"events": json.dumps([{"id": number}])}),
        api.patch(f"{_insights(team)}1/", json.dumps({"name": number}), content_type="application/json"),
    ]
    for response in cases:
        body = _envelope(response, 400)
        assert "64 bits" in body["detail"]
    assert not Insight.objects.filter(team=team).exists()


def test_largest_64_bit_integer_is_still_accepted(api, team):
    response = api.get(_insights(team), {"limit": str(2**63 - 1)})
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "patch", "delete", "put"])
def test_unknown_api_route_is_json_404_for_every_method(api, method):
    response = getattr(api, method)("/api/no/such/route/", {"a": 1}, format="json")
    assert _envelope(response, 404)["detail"] == "Endpoint not found."
    # A browser session (CSRF enforced) gets the same JSON, not Django's CSRF page.
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    response = getattr(browser, method)("/api/projects/1/nothing-here/", {"a": 1}, format="json")
    assert _envelope(response, 404)["detail"] == "Endpoint not found."


def test_host_not_in_allowed_hosts_is_json_400_naming_the_setting(api, team):
    response = api.get(f"/api/projects/{team.id}/", HTTP_HOST="evil.example.com")
    body = _envelope(response, 400, "disallowed_host")
    assert "evil.example.com" in body["detail"] and "ALLOWED_HOSTS" in body["detail"]
    assert body["attr"] == "ALLOWED_HOSTS"
    # The cached-retrieve shortcut checks the host as well.
    response = api.get(f"{_insights(team)}1/", HTTP_HOST="evil.example.com")
    _envelope(response, 400, "disallowed_host")


def test_project_token_as_bearer_says_a_personal_key_is_needed(client, team):
    response = client.get(f"/api/projects/{team.id}/insights/", HTTP_AUTHORIZATION=f"Bearer {team.api_token}")
    body = _envelope(response, 401, "authentication_failed")
    assert "personal API key" in body["detail"] and "phc_" in body["detail"]


def test_users_me_needs_user_read_scope(client, owner):
    narrow = make_key(owner.user, ["insight:read"])
    response = client.get("/api/users/@me/", HTTP_AUTHORIZATION=f"Bearer {narrow}")
    assert _envelope(response, 403)["detail"] == "API key missing required scope 'user:read'"
    reader = make_key(owner.user, ["user:read"])
    response = client.get("/api/users/@me/", HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert response.status_code == 200 and response.json()["email"] == owner.user.email
    assert client.get("/api/users/@me/", **owner.auth).status_code == 200  # "*"


def test_a_key_reads_only_itself_among_personal_api_keys(client, owner):
    other = make_key(owner.user, ["insight:read"])
    listed = client.get("/api/personal_api_keys/", **owner.auth)
    assert _envelope(listed, 403)["detail"] == "This action does not support Personal API Key access"
    current = client.get("/api/personal_api_keys/@current/", **owner.auth)
    assert current.status_code == 200
    own_id = current.json()["id"]
    assert client.get(f"/api/personal_api_keys/{own_id}/", **owner.auth).status_code == 200
    other_id = client.get("/api/personal_api_keys/@current/", HTTP_AUTHORIZATION=f"Bearer {other}").json()[
        "id"
    ]
    response = client.get(f"/api/personal_api_keys/{other_id}/", **owner.auth)
    _envelope(response, 403)
    client.force_login(owner.user)
    assert len(client.get("/api/personal_api_keys/").json()) == 2  # a session lists every key


def test_security_headers_and_framing(api, owner, team):
    response = api.get(f"/api/projects/{team.id}/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    insight = Insight.objects.create(team=team, name="framed", filters={"insight": "TRENDS"})
    sharing = api.patch(f"{_insights(team)}{insight.id}/sharing/", {"enabled": True}, format="json")
    token = sharing.json()["access_token"]
    from rest_framework.test import APIClient

    anonymous = APIClient()
    shared = anonymous.get(f"/shared/{token}")
    assert shared.status_code == 200 and shared["X-Frame-Options"] == "DENY"
    assert shared["X-Content-Type-Options"] == "nosniff"
    embedded = anonymous.get(f"/embedded/{token}")
    assert embedded.status_code == 200 and "X-Frame-Options" not in embedded
    assert embedded["X-Content-Type-Options"] == "nosniff"
