"""Permission classes: team membership and personal API key scopes."""

from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from access_control.authentication import personal_api_key
from access_control.policy import NO_KEY_ACCESS, scope_decision
from access_control.teams import check_key_scoped_to

READ_ACTIONS = {"list", "retrieve"}
WRITE_ACTIONS = {"create", "update", "partial_update", "destroy"}


def required_scopes(view) -> list[str] | None:
    """Scopes an action needs: declared on the action, else derived from ``scope_object``.

    A declaration may depend on the HTTP method: ``{"GET": [...], "PATCH": [...]}``.
    """
    declared = getattr(view, "required_scopes", None)
    if isinstance(declared, dict):
        method = view.request.method
        return declared.get("GET" if method in ("HEAD", "OPTIONS") else method)
    if declared:
        return list(declared)
    scope_object = getattr(view, "scope_object", None)
    action = getattr(view, "action", None)
    if scope_object is None:
        return None
    if action in READ_ACTIONS:
        return [f"{scope_object}:read"]
    if action in WRITE_ACTIONS:
        return [f"{scope_object}:write"]
    if action is None:  # a plain APIView: the HTTP method decides
        method = view.request.method if getattr(view, "request", None) else "GET"
        return [f"{scope_object}:{'read' if method in ('GET', 'HEAD', 'OPTIONS') else 'write'}"]
    return None


class TeamMemberPermission(BasePermission):
    """Resolves ``view.team``; raises 404 when the caller may not see it."""

    def has_permission(self, request: Request, view) -> bool:
        team = view.team  # resolving raises NotFound
        check_key_scoped_to(key=personal_api_key(request), team=team)
        return True


class APIScopePermission(BasePermission):
    """Personal API keys need the action's scope; sessions are not scoped."""

    message = NO_KEY_ACCESS

    def has_permission(self, request: Request, view) -> bool:
        key = personal_api_key(request)
        if key is None:
            return True
        decision = scope_decision(key, required_scopes(view))
        if not decision.allowed:
            self.message = decision.detail or NO_KEY_ACCESS
        return decision.allowed
