"""The OpenAPI schema describes the insight routes with real request and response bodies."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _response_schema(schema, path, method, status="200"):
    content = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    ref = content.get("$ref", "").rsplit("/", 1)[-1]
    return schema["components"]["schemas"][ref] if ref else content


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_every_insight_route_is_documented(schema, prefix):
    base = f"/api/{prefix}/{{project_id}}/insights/"
    expected = {
        base: {"get", "post"},
        f"{base}{{id}}/": {"get", "put", "patch", "delete"},
        f"{base}activity/": {"get"},
        f"{base}{{id}}/activity/": {"get"},
        f"{base}{{id}}/viewed/": {"post"},
        f"{base}viewed/": {"post"},
        f"{base}my_last_viewed/": {"get"},
        f"{base}{{id}}/sharing/": {"get", "patch"},
        f"{base}{{id}}/sharing/refresh/": {"post"},
        f"{base}{{id}}/access_controls/": {"get", "put"},
        f"{base}timing/": {"post"},
        f"{base}cancel/": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(schema["paths"][path]), path
    list_params = {p["name"] for p in schema["paths"][base]["get"]["parameters"]}
    assert {
        "basic",
        "created_by",
        "format",
        "limit",
        "offset",
        "refresh",
        "short_id",
        "search",
    } <= list_params
    page = _response_schema(schema, base, "get")
    assert {"count", "next", "previous", "results"} <= set(page["properties"])


def test_bodies_have_fields(schema):
    insight = schema["components"]["schemas"]["Insight"]["properties"]
    assert {"short_id", "filters", "query", "result", "filters_hash", "effective_privilege_level"} <= set(
        insight
    )
    sharing = _response_schema(schema, "/api/projects/{project_id}/insights/{id}/sharing/", "get")
    assert {"created_at", "enabled", "access_token", "share_url"} <= set(sharing["properties"])
    activity = _response_schema(schema, "/api/projects/{project_id}/insights/activity/", "get")
    assert {"results", "next", "previous", "total_count"} <= set(activity["properties"])
    # JSON is the one documented body (generated clients otherwise send multipart); forms still work.
    create = schema["paths"]["/api/projects/{project_id}/insights/"]["post"]["requestBody"]["content"]
    assert set(create) == {"application/json"}


def test_generated_clients_read_nulls(schema):
    insight = schema["components"]["schemas"]["Insight"]
    for field in (
        "last_refresh",
        "cache_target_age",
        "next_allowed_client_refresh",
        "hasMore",
        "hogql",
        "query_status",
        "timezone",
    ):
        assert insight["properties"][field].get("nullable") is True, field
    # ?basic=true leaves result fields out: they are not required
    assert "result" not in insight["required"] and "short_id" in insight["required"]
    assert "NullEnum" not in schema["components"]["schemas"]


def test_errors_documented_with_the_envelope(schema):
    envelope = schema["components"]["schemas"]["ErrorResponse"]
    assert set(envelope["required"]) == {"type", "code", "detail", "attr"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for code in ("400", "401", "403", "404", "429"):
                content = operation["responses"][code]["content"]["application/json"]
                if code == "400" and method == "get" and path.endswith("/query/{id}/"):
                    # A failed job's status is the 400 (with a message) or 500, as in PostHog;
                    # a malformed id is a 400 in the envelope.
                    assert content["schema"] == {
                        "oneOf": [
                            {"$ref": "#/components/schemas/QueryStatusResponse"},
                            {"$ref": "#/components/schemas/ErrorResponse"},
                        ]
                    }
                    assert (
                        "QueryStatusResponse"
                        in operation["responses"]["500"]["content"]["application/json"]["schema"]["$ref"]
                    )
                    continue
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


@pytest.mark.parametrize(
    ("route", "fields"),
    [
        ("trend", {"events", "interval", "display", "compare"}),
        ("funnel", {"events", "funnel_viz_type", "funnel_window_interval"}),
        ("funnel/correlation", {"funnel_correlation_type"}),
        ("retention", {"target_entity", "period", "total_intervals"}),
        ("path", {"include_event_types", "step_limit"}),
    ],
)
def test_legacy_compute_bodies_are_typed(schema, route, fields):
    body = schema["paths"][f"/api/projects/{{project_id}}/insights/{route}/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert fields <= set(schema["components"]["schemas"][ref]["properties"])


def test_query_node_is_typed(schema):
    body = schema["paths"]["/api/projects/{project_id}/query/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    node_ref = schema["components"]["schemas"][ref]["properties"]["query"]["allOf"][0]["$ref"]
    node = schema["components"]["schemas"][node_ref.rsplit("/", 1)[-1]]
    assert {"kind", "series", "dateRange", "trendsFilter", "source"} <= set(node["properties"])


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_paths_use_posthogs_parameter_names(schema, prefix):
    """Generated clients name their arguments after these. The list is every path of
    PostHog's published insights schema except sharing, which PostHog nests under
    ``{insight_id}`` (the same URLs here, as ``{id}``) and whose passwords are not built."""
    posthog_paths = [
        "insights/",
        "insights/{id}/",
        "insights/{id}/activity/",
        "insights/activity/",
        "insights/cancel/",
        "insights/my_last_viewed/",
        "insights/viewed/",
        "query/{id}/",
    ]
    for path in posthog_paths:
        assert f"/api/{prefix}/{{project_id}}/{path}" in schema["paths"], path
