"""Which requests may be answered from a stored response, and what is stored for them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import astuple, dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.response import Response

from access_control.authentication import BEARER, NOT_PERSONAL_PREFIXES
from analytics.views.sharing_auth import TOKEN_PARAM
from query_engine.refresh.modes import ExecutionMode, parse_refresh

DETAIL_PATH = re.compile(r"^/api/(?:projects|environments)/(?P<team_id>\d+)/insights/[^/.]+/?$")
ENTRY_PREFIX = "insight-response:"
# Long enough to matter; short enough that rows changed behind the ORM's back
# (raw SQL, QuerySet.update) cannot be served for long.
ENTRY_TTL_SECONDS = 300


@dataclass(frozen=True)
class Candidate:
    """A request shaped like a cached-results insight retrieve by personal API key."""

    team_id: int
    key_value: str
    entry_key: str


# Stored as a plain tuple tagged with this: unpickling it needs none of this project's classes,
# so entries written by another version of the code read as misses, never as errors.
ENTRY_FORMAT = "insight-response/1"


@dataclass(frozen=True)
class StoredResponse:
    generations: tuple[str, str]
    organization_id: str
    results_key: str | None
    results_present: bool
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def to_entry(self) -> tuple:
        return (ENTRY_FORMAT, *astuple(self))

    @classmethod
    def from_entry(cls, entry: object) -> StoredResponse | None:
        if not isinstance(entry, tuple) or not entry or entry[0] != ENTRY_FORMAT:
            return None
        try:
            return cls(*entry[1:])
        except TypeError:
            return None


@dataclass(frozen=True)
class StoreHint:
    """Set on a response by the view: it may be stored, and what its validity depends on."""

    organization_id: str
    results_key: str | None  # None: the response shows no results (``basic``)
    results_present: bool


class HintedResponse(Response):
    """A view's response carrying its ``StoreHint`` (None: never store it) for the middleware."""

    def __init__(self, data: Any, *, store_hint: StoreHint | None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.store_hint = store_hint


def _force_cache(raw: str | None) -> bool:
    try:
        return parse_refresh(raw) == ExecutionMode.FORCE_CACHE
    except Exception:  # an invalid mode is the view's 400 to give
        return False


def candidate(request: HttpRequest) -> Candidate | None:
    """The request's identity for the store, or None when it must go through the view."""
    if request.method != "GET" or request.META.get("HTTP_COOKIE"):
        return None  # sessions bring CSRF and session state: the view's job
    path = request.path_info
    match = DETAIL_PATH.match(path)
    if match is None:
        return None
    bearer = BEARER.match(request.META.get("HTTP_AUTHORIZATION", ""))
    if bearer is None or bearer.group(1).startswith(NOT_PERSONAL_PREFIXES):
        return None
    query_string = request.META.get("QUERY_STRING", "")
    if query_string:
        params = request.GET
        if TOKEN_PARAM in params or params.get("format") not in (None, "json"):
            return None
        if not _force_cache(params.get("refresh")):
            return None
    key_value = bearer.group(1)
    # The cache version too: raising it (a deploy that changes what responses hold) retires them.
    accept = request.META.get("HTTP_ACCEPT", "")
    identity = "\n".join((settings.CACHE_VERSION, key_value, path, query_string, accept))
    digest = hashlib.sha256(identity.encode()).hexdigest()
    return Candidate(team_id=int(match["team_id"]), key_value=key_value, entry_key=ENTRY_PREFIX + digest)
