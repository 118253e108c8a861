"""``/``: where to go from here (Swagger UI, schema, health, projects, the demo project).

JSON for API clients; a small HTML page of the same links when a browser asks for HTML.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_safe

from analytics.services.demo import demo_project_id


def _links(request: HttpRequest) -> dict[str, str]:
    paths = {
        "swagger_ui": "/api/schema/swagger-ui/",
        "schema": "/api/schema/",
        "health": "/_health",
        "projects": "/api/projects/",
    }
    demo = demo_project_id()
    if demo is not None:
        paths["demo_project"] = f"/api/projects/{demo}/"
        paths["demo_insights"] = f"/api/projects/{demo}/insights/?refresh=blocking"
    return {name: request.build_absolute_uri(path) for name, path in paths.items()}


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    links = _links(request)
    body = {
        "name": "insights-api",
        "description": "PostHog-compatible insights API: insights, queries, sharing and capture.",
        "authentication": "Authorization: Bearer <personal API key> (phx_...); API routes need one.",
        "links": links,
    }
    accepts = request.headers.get("Accept", "")
    if "text/html" not in accepts:
        return JsonResponse(body)
    items = format_html_join(
        "\n", '<li><a href="{}">{}</a></li>', ((url, name) for name, url in links.items())
    )
    page = format_html(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>insights-api</title></head>"
        "<body><h1>insights-api</h1><p>{}</p><p>{}</p><ul>\n{}\n</ul></body></html>",
        body["description"],
        body["authentication"],
        items,
    )
    return HttpResponse(page, content_type="text/html; charset=utf-8")
