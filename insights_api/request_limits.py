"""Refuse request shapes the stores cannot hold, before any view sees them.

Every API request (capture routes keep their own limits) is checked for:

* a body over ``REQUEST_MAX_BODY_BYTES`` → 413;
* JSON nested deeper than ``REQUEST_MAX_JSON_DEPTH``, or not finite (``1e400``) → 400;
* an integer outside 64 bits anywhere (JSON body, query string, URL path, form field) → 400,
  because SQLite, PostgreSQL, orjson and ClickHouse all overflow on them;
* a NUL character in any string or key → 400 (PostgreSQL cannot store one in text or jsonb);
* more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` form or query fields → 400 (Django's own check,
  answered in the envelope here instead of by a 500).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse

from insights_api.errors import error_body

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Capture routes take raw events: their own size limits, and integers keep every digit.
CAPTURE_PATH = re.compile(r"^/(?:batch|capture|e|i/v0/e)/?$")
JSON_TYPES = ("application/json", "text/json")
DIGITS = re.compile(r"^-?\d+$")
SURROGATE = re.compile("[\ud800-\udfff]")


class Refused(Exception):
    def __init__(self, status: int, code: str, detail: str, attr: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.attr = status, code, detail, attr

    def response(self) -> JsonResponse:
        kind = "invalid_request" if self.status == 413 else "validation_error"
        return JsonResponse(
            error_body(type=kind, code=self.code, detail=self.detail, attr=self.attr), status=self.status
        )


def _int_out_of_range(attr: str | None) -> Refused:
    where = f" in {attr}" if attr else ""
    return Refused(400, "invalid_input", f"Integer out of range{where}: integers must fit in 64 bits.", attr)


def _check_int(text: str, attr: str | None) -> int:
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise _int_out_of_range(attr)
    return value


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise Refused(400, "invalid_input", f"Number {text[:40]} is out of range.")
    return value


def _check_text(text: str, attr: str | None) -> None:
    if "\x00" in text:
        raise Refused(400, "invalid_input", "Text may not contain NUL (\\u0000) characters.", attr)
    if SURROGATE.search(text):  # "\ud800" in JSON: not a character, cannot be stored or encoded
        raise Refused(400, "invalid_input", "Text may not contain lone UTF-16 surrogates.", attr)


def _walk(value: Any, path: tuple[str, ...], max_depth: int) -> None:
    """Depth and NUL checks over a parsed JSON value (integers were checked while parsing)."""
    if len(path) > max_depth:
        raise Refused(400, "invalid_input", f"JSON is nested deeper than {max_depth} levels.")
    if isinstance(value, str):
        _check_text(value, "__".join(path) or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, "__".join(path) or None)
            _walk(item, (*path, key), max_depth)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*path, str(index)), max_depth)


def parse_json(raw: bytes | str, *, attr: str | None = None) -> Any:
    """Parse JSON refusing what the stores cannot hold; undecodable JSON is left to the parser (None)."""
    max_depth = settings.REQUEST_MAX_JSON_DEPTH
    try:
        value = json.loads(raw, parse_int=lambda text: _check_int(text, attr), parse_float=_finite)
    except RecursionError:
        raise Refused(400, "invalid_input", f"JSON is nested deeper than {max_depth} levels.", attr) from None
    except (ValueError, UnicodeDecodeError):
        return None  # DRF's parser answers its own 400 for malformed JSON
    _walk(value, (attr,) if attr else (), max_depth + (1 if attr else 0))
    return value


def _check_params(params: Any) -> None:
    for name, values in params.lists():
        _check_text(name, name)
        for value in values:
            _check_text(value, name)
            stripped = value.strip()
            if DIGITS.match(stripped):
                _check_int(stripped, name)
            elif stripped[:1] in ("[", "{"):
                parse_json(stripped, attr=name)


def _check_path(path: str) -> None:
    _check_text(path, None)
    for part in path.split("/"):
        if DIGITS.match(part):
            _check_int(part, "path")


def _check_body(request: HttpRequest) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.REQUEST_MAX_BODY_BYTES:
        raise too_large()
    if not length:
        return
    content_type = request.content_type or ""
    if content_type in JSON_TYPES:
        parse_json(request.body)
    elif content_type == "application/x-www-form-urlencoded":
        _check_params(request.POST)


def check_request(request: HttpRequest) -> None:
    _check_path(request.path_info)
    _check_params(request.GET)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _check_body(request)


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not CAPTURE_PATH.match(request.path_info):
            try:
                check_request(request)
            except Refused as refused:
                return refused.response()
            except RequestDataTooBig:
                return too_large().response()
            except TooManyFieldsSent:
                return too_many_fields().response()
        return self.get_response(request)


def too_large() -> Refused:
    limit = settings.REQUEST_MAX_BODY_BYTES
    return Refused(413, "request_too_large", f"Request body is larger than {limit} bytes.")


def too_many_fields() -> Refused:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return Refused(400, "too_many_fields", f"More than {limit} form or query fields.")
