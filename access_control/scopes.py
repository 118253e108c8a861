"""The scope vocabulary of personal API keys."""

from __future__ import annotations

SCOPE_OBJECTS = frozenset(
    {
        "action",
        "access_control",
        "activity_log",
        "annotation",
        "cohort",
        "dashboard",
        "event_definition",
        "experiment",
        "export",
        "feature_flag",
        "group",
        "insight",
        "notebook",
        "organization",
        "person",
        "project",
        "property_definition",
        "query",
        "sharing_configuration",
        "user",
        "webhook",
    }
)
ACTIONS = ("read", "write")


def is_valid_scope(scope: str) -> bool:
    if scope == "*":
        return True
    obj, _, action = scope.partition(":")
    return obj in SCOPE_OBJECTS and action in ACTIONS


def grants(key_scopes: list[str], required: str) -> bool:
    """``*`` grants everything, and ``obj:write`` also grants ``obj:read``."""
    if "*" in key_scopes or required in key_scopes:
        return True
    obj, _, action = required.partition(":")
    return action == "read" and f"{obj}:write" in key_scopes
