"""Health, schema and the create_project contract."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tenancy.models import Team

pytestmark = pytest.mark.django_db


def test_health_reports_each_component(client, clickhouse_schema):
    response = client.get("/_health")
    assert response.status_code == 200
    components = response.json()["components"]
    assert set(components) == {"metadata_db", "clickhouse", "cache"}
    assert all(component["ok"] for component in components.values())


def test_health_is_503_when_a_component_fails(client, clickhouse_schema, monkeypatch):
    from analytics.views import health

    def broken() -> None:
        raise RuntimeError("down")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = client.get("/_health")
    assert response.status_code == 503
    assert response.json()["components"]["cache"] == {
        "ok": False,
        "error": "down",
        "ms": pytest.approx(0, abs=50),
    }


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
    assert client.get("/api/schema/swagger-ui/").status_code == 200


def test_create_project_contract(client):
    out = io.StringIO()
    call_command("create_project", "--name", "Scripted", "--email", "ops@example.com", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert set(payload) == {"organization_id", "project_id", "api_token", "personal_api_key"}
    team = Team.objects.get(pk=payload["project_id"])
    assert team.api_token == payload["api_token"] and payload["api_token"].startswith("phc_")
    assert str(team.organization_id) == payload["organization_id"]
    response = client.get(
        f"/api/environments/{payload['project_id']}/".replace("environments", "projects"),
        HTTP_AUTHORIZATION=f"Bearer {payload['personal_api_key']}",
    )
    assert response.status_code == 200


def test_openapi_documents_compute_routes_on_both_prefixes(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for prefix in ("projects", "environments"):
        for route in ("insights/trend/", "insights/funnel/", "insights/funnel/correlation/", "query/"):
            assert f"/api/{prefix}/{{project_id}}/{route}" in paths, route
    query_post = paths["/api/projects/{project_id}/query/"]["post"]
    assert "202" in query_post["responses"] and "requestBody" in query_post


def test_swagger_ui_assets_are_served_without_debug(client):
    html = client.get("/api/schema/swagger-ui/").content.decode()
    asset = next(part.split('"')[0] for part in html.split('src="')[1:] if "swagger-ui" in part)
    response = client.get(asset)
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])
