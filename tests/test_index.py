"""``/``: a small index of where to go (JSON for clients, HTML for browsers)."""

from __future__ import annotations

import pytest
from django.test import Client

from analytics.services.tenancy import create_project_with_owner

pytestmark = pytest.mark.django_db


def test_index_links_swagger_schema_health_and_projects():
    response = Client().get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["links"] == {
        "swagger_ui": "http://testserver/api/schema/swagger-ui/",
        "schema": "http://testserver/api/schema/",
        "health": "http://testserver/_health",
        "projects": "http://testserver/api/projects/",
    }
    # Every link answers (the API ones ask for a key: 401, not 404).
    client = Client()
    statuses = {name: client.get(url.removeprefix("http://testserver")).status_code
                for name, url in body["links"].items() if name != "health"}  # fmt: skip
    assert statuses == {"swagger_ui": 200, "schema": 200, "projects": 401}


def test_index_names_the_demo_project_once_it_exists_and_serves_html_to_browsers():
    demo = create_project_with_owner(name="Demo project", email="demo@example.com").team
    create_project_with_owner(name="Someone else", email="someone@example.com")
    body = Client().get("/").json()
    assert body["links"]["demo_project"] == f"http://testserver/api/projects/{demo.id}/"
    assert (
        body["links"]["demo_insights"]
        == f"http://testserver/api/projects/{demo.id}/insights/?refresh=blocking"
    )
    page = Client().get("/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert '<a href="http://testserver/api/schema/swagger-ui/">swagger_ui</a>' in html
    assert f'<a href="http://testserver/api/projects/{demo.id}/insights/?refresh=blocking">' in html
    assert Client().post("/").status_code == 405
