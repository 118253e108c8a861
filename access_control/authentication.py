"""DRF authentication: personal API keys (header, query string, body) and sessions."""

from __future__ import annotations

import re
from typing import cast

import orjson
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from access_control.models import PersonalAPIKey
from access_control.services import find_active_key
from tenancy.models import User

BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
KEY_FIELD = "personal_api_key"
# Tokens of other kinds handled elsewhere (project tokens, OAuth, sharing).
NOT_PERSONAL_PREFIXES = ("phc_", "pha_", "phs_")
PROJECT_TOKEN_PREFIX = "phc_"
PROJECT_TOKEN_AS_KEY = (
    "A project API key (phc_…) only sends events; this endpoint needs a personal API key (phx_…) "
    "as Authorization: Bearer."
)


def _from_body(request: Request) -> str | None:
    django_request = request._request
    if django_request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    value = django_request.POST.get(KEY_FIELD) if django_request.content_type != "application/json" else None
    if value:
        return value
    if django_request.content_type == "application/json" and KEY_FIELD.encode() in django_request.body:
        try:
            body = orjson.loads(django_request.body)
        except orjson.JSONDecodeError:
            return None
        if isinstance(body, dict) and isinstance(body.get(KEY_FIELD), str):
            return body[KEY_FIELD]
    return None


def find_key_candidate(request: Request) -> tuple[str, str] | None:
    """The first key offered, in PostHog's order: header, body, query string."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    match = BEARER.match(header)
    if match and not match.group(1).startswith(NOT_PERSONAL_PREFIXES):
        return match.group(1), "Authorization header"
    body_value = _from_body(request)
    if body_value:
        return body_value, "body"
    query_value = request.query_params.get(KEY_FIELD)
    if query_value:
        return query_value, "query string"
    return None


class PersonalAPIKeyAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the PersonalAPIKey used."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        candidate = find_key_candidate(request)
        if candidate is None:
            match = BEARER.match(request.META.get("HTTP_AUTHORIZATION", ""))
            if match and match.group(1).startswith(PROJECT_TOKEN_PREFIX):
                raise AuthenticationFailed(PROJECT_TOKEN_AS_KEY)
            return None
        value, source = candidate
        key = find_active_key(value)
        if key is None:
            raise AuthenticationFailed(f"Personal API key found in request {source} is invalid.")
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """Django's session login, with CSRF enforced as DRF does."""


def signed_in_user(request: Request) -> User:
    """``request.user`` in a view behind ``IsAuthenticated``: a user, never ``AnonymousUser``."""
    return cast(User, request.user)


def personal_api_key(request: Request) -> PersonalAPIKey | None:
    return request.auth if isinstance(request.auth, PersonalAPIKey) else None


class PersonalAPIKeyScheme(OpenApiAuthenticationExtension):
    """Documents personal API keys as bearer tokens in the OpenAPI schema."""

    target_class = PersonalAPIKeyAuthentication
    name = "PersonalAPIKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API key (phx_…)."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = SessionAuthentication
    name = "SessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
