"""``?sharing_access_token=``: anonymous, read-only access to one shared insight."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from analytics.models import SharingConfiguration
from analytics.services.sharing import config_for_token
from query_engine.refresh.modes import ExecutionMode

TOKEN_PARAM = "sharing_access_token"
# Shared links read with force_cache get a background refresh; explicit refreshes block.
SHARED_REFRESH = {
    ExecutionMode.FORCE_CACHE: ExecutionMode.LAZY_ASYNC,
    ExecutionMode.BLOCKING: ExecutionMode.BLOCKING,
    ExecutionMode.FORCE_BLOCKING: ExecutionMode.BLOCKING,
    ExecutionMode.ASYNC: ExecutionMode.ASYNC,
}
SHAREABLE_ACTIONS = {"list", "retrieve"}


class SharingAccessTokenAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the SharingConfiguration; GET/HEAD only."""

    def authenticate(self, request: Request):
        token = request.query_params.get(TOKEN_PARAM)
        if not token:
            return None
        if request.method not in ("GET", "HEAD"):
            raise AuthenticationFailed("Sharing access token can only be used for GET requests.")
        config = config_for_token(token)
        if config is None:
            raise AuthenticationFailed("Sharing access token is invalid.")
        return AnonymousUser(), config


def shared_refresh_mode(mode: ExecutionMode) -> ExecutionMode:
    """How a refresh mode asked for through a shared link is run."""
    return SHARED_REFRESH.get(mode, ExecutionMode.LAZY_ASYNC)


def sharing_config(request: Request) -> SharingConfiguration | None:
    return request.auth if isinstance(request.auth, SharingConfiguration) else None


class SharingTokenPermission(BasePermission):
    """A token reads its own insight through list/retrieve of its own team, nothing else."""

    def has_permission(self, request: Request, view) -> bool:
        config = sharing_config(request)
        if config is None or view.action not in SHAREABLE_ACTIONS:
            raise PermissionDenied("Sharing access token can not be used for this action.")
        if str(view.kwargs.get("project_id")) != str(config.team_id):
            raise PermissionDenied("Sharing access token does not belong to this project.")
        return True


class SharingAccessTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``?sharing_access_token=`` in the OpenAPI schema."""

    target_class = SharingAccessTokenAuthentication
    name = "SharingAccessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "query", "name": TOKEN_PARAM}
