"""drf-spectacular postprocessing: a schema that generated clients can use unchanged.

Generators (openapi-python-client, openapi-generator) take the schema literally, so:
JSON is the only request body they see (form bodies stay accepted, undocumented),
every operation documents the 4xx answers in PostHog's error envelope, and the full
insight only requires the fields ``?basic=true`` also returns.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "ErrorResponse"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "PostHog's error envelope.",
    "properties": {
        "type": {"type": "string", "example": "validation_error"},
        "code": {"type": "string", "example": "invalid_input"},
        "detail": {"type": "string"},
        "attr": {"type": "string", "nullable": True, "description": "The field at fault, if any."},
    },
    "required": ["type", "code", "detail", "attr"],
}
ERRORS = {
    "400": "Invalid input; `attr` names the field.",
    "401": "Missing or invalid credentials.",
    "403": "The key's scopes or the caller's access level do not allow this.",
    "404": "Unknown (or foreign) project or object.",
    "429": "Rate limited.",
}
JSON = "application/json"
# Insight fields a ``?basic=true`` answer leaves out: optional in the response component,
# so a client parses both shapes.
BASIC_COMPONENT, FULL_COMPONENT = "InsightBasic", "Insight"


def _operations(schema: dict[str, Any]):
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and isinstance(operation, dict):
                yield method, operation


def _json_request_bodies(operation: dict[str, Any]) -> None:
    content = operation.get("requestBody", {}).get("content")
    if content and JSON in content:
        for media_type in [m for m in content if m != JSON]:
            del content[media_type]


def _error_responses(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for code, text in ERRORS.items():
        entry = responses.setdefault(code, {"description": text})
        entry.setdefault("description", text)
        if not entry.get("content"):
            entry["content"] = {JSON: {"schema": ref}}
        elif code == "400":
            # A route whose 400 has its own body (a failed job's status) still answers bad
            # input in the envelope: either shape.
            schema = entry["content"].setdefault(JSON, {}).get("schema")
            if schema and schema != ref and "oneOf" not in schema:
                entry["content"][JSON]["schema"] = {"oneOf": [schema, ref]}


def _csv_responses(operation: dict[str, Any]) -> None:
    """``text/csv`` is text, not the JSON component the renderer list would suggest."""
    for response in operation.get("responses", {}).values():
        content = response.get("content") or {}
        if "text/csv" in content:
            content["text/csv"] = {"schema": {"type": "string"}}


def _relax_full_insight(components: dict[str, Any]) -> None:
    basic, full = components.get(BASIC_COMPONENT), components.get(FULL_COMPONENT)
    if not basic or not full:
        return
    keep = set(basic.get("required", []))
    full["required"] = [name for name in full.get("required", []) if name in keep]


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    for _method, operation in _operations(result):
        _json_request_bodies(operation)
        _error_responses(operation)
        _csv_responses(operation)
    _relax_full_insight(components)
    return result
