"""``?sharing_access_token=``: anonymous, read-only access to one shared insight."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from analytics.models import SharingConfiguration
from analytics.services.sharing import config_for_token

TOKEN_PARAM = "sharing_access_token"
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


def sharing_config(request: Request) -> SharingConfiguration | None:
    return request.auth if isinstance(request.auth, SharingConfiguration) else None


class SharingTokenPermission(BasePermission):
    """A token reads its own insight through list/retrieve of its own team, nothing else."""

    def has_permission(self, request: Request, view) -> bool:
        config = sharing_config(request)
        if config is None or view.action not in SHAREABLE_ACTIONS:
            raise PermissionDenied("Sharing access token can not be used for this action.")
        if str(view.kwargs.get("team_id")) != str(config.team_id):
            raise PermissionDenied("Sharing access token does not belong to this project.")
        return True
