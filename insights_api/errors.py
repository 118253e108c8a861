"""PostHog's error envelope: ``{"type", "code", "detail", "attr"}``.

Only the first error is reported, nested field names are joined with ``__``,
and DRF's generic ``invalid`` code becomes ``invalid_input``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from insights_api import store_failures
from query_engine.errors import TIMEOUT_DETAIL, BackendError, QueryError, QueryTimeout

__all__ = ["QueryError", "error_body", "exception_handler"]

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "Request body is too large."


def _suspicious_detail(exc: SuspiciousOperation) -> str:
    if isinstance(exc, TooManyFieldsSent):
        return "Too many form or query fields."
    return "Bad request."


def error_body(*, type: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": type, "code": code, "detail": detail, "attr": attr}


def _error_type(exc: Exception, status_code: int) -> str:
    if isinstance(exc, exceptions.ValidationError) and status_code == 400:
        return "validation_error"
    if status_code in (401, 403):
        return "authentication_error"
    if status_code == 429:
        return "throttled_error"
    if status_code >= 500:
        return "server_error"
    return "invalid_request"


def _first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[str, str, str | None]:
    """Walk DRF's nested error structure down to its first leaf."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = path if key in ("non_field_errors", "__all__") else (*path, str(key))
            return _first_error(value, sub)
    if isinstance(detail, list) and detail:
        # A list of dicts is a list serializer: keep the index in the path.
        if isinstance(detail[0], dict | list) and not isinstance(detail[0], exceptions.ErrorDetail):
            for index, item in enumerate(detail):
                if item:
                    return _first_error(item, (*path, str(index)))
        return _first_error(detail[0], path)
    code = getattr(detail, "code", "invalid") or "invalid"
    return str(detail), str(code), "__".join(path) or None


def _find(data: Any, text: str, path: tuple[str, ...] = (), *, part: bool = False) -> str | None:
    """The ``__``-joined path of the first string equal to (``part``: containing) ``text`` in ``data``."""
    if isinstance(data, str):
        hit = text in data if part else data == text
        return ("__".join(path) or None) if hit else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found = _find(value, text, (*path, str(key)), part=part)
        if found:
            return found
    return None


def _regex_attr(pattern: str | None, request: Any, *, part: bool = False) -> str | None:
    """Which request field held a regular expression ClickHouse refused."""
    if not pattern or request is None:
        return None
    data = getattr(request, "data", None)
    found = _find(data, pattern, part=part) if isinstance(data, dict | list) else None
    for name, value in getattr(request, "query_params", {}).items():
        if found:
            break
        try:
            decoded = orjson.loads(value)
        except orjson.JSONDecodeError:
            decoded = value
        found = _find(decoded, pattern, (name,), part=part)
    return found


def _engine_error(exc: Exception, request: Any = None) -> Response | None:
    """The query engine's plain exceptions as HTTP answers; None for anything else."""
    if isinstance(exc, QueryError):
        attr = exc.attr
        if exc.code == "invalid_regex":
            attr = (
                attr
                or _regex_attr(getattr(exc, "pattern", None), request)
                or _regex_attr(getattr(exc, "part", None), request, part=True)
            )
        body = error_body(type="validation_error", code=exc.code, detail=exc.detail, attr=attr)
        # HogQL errors also say where in the query they are (character offsets).
        if callable(position := getattr(exc, "position", None)):
            body.update(position())
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, QueryTimeout):
        # Past max_execution_time: a clear 504, never a hang nor ClickHouse's text.
        body = error_body(type="server_error", code="query_timeout", detail=TIMEOUT_DETAIL)
        return Response(body, status=status.HTTP_504_GATEWAY_TIMEOUT)
    if isinstance(exc, BackendError):
        # ClickHouse down or refusing: the request was fine, so say so and that it can retry.
        logger.exception("Event store unavailable", exc_info=exc)
        body = error_body(type="server_error", code="unavailable", detail="Event store unavailable.")
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ValidationError(_suspicious_detail(exc))
    engine_response = _engine_error(exc, context.get("request"))
    if engine_response is not None:
        return engine_response
    response = drf_exception_handler(exc, context)
    if response is None and (detail := store_failures.classify(exc)) is not None:
        logger.error("store unavailable: %s", exc)
        return Response(store_failures.unavailable_body(detail), status=503, headers={"Retry-After": "5"})
    if response is None:
        logger.exception("Unhandled error", exc_info=exc)
        return Response(
            error_body(type="server_error", code="error", detail="A server error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.APIException):
        detail, code, attr = _first_error(exc.detail)
        if code == "invalid":
            code = "invalid_input"
        attr = getattr(exc, "attr", None) or attr
        if isinstance(exc, exceptions.Throttled):
            code = "throttled"
        response.data = error_body(
            type=_error_type(exc, response.status_code), code=code, detail=detail, attr=attr
        )
    return response


@csrf_exempt  # an unknown route answers 404 to every method, not the CSRF failure page
def json_not_found(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        error_body(type="invalid_request", code="not_found", detail="Endpoint not found."), status=404
    )


def json_server_error(request: Any) -> JsonResponse:
    # Called while the exception is being handled: a store failure outside DRF is a 503 too.
    failed = sys.exc_info()[1]
    if failed is not None and (unavailable := store_failures.unavailable_response(failed)) is not None:
        return unavailable
    return JsonResponse(
        error_body(type="server_error", code="error", detail="A server error occurred."), status=500
    )


def json_bad_request(request: Any, exception: Exception | None = None) -> JsonResponse:
    """Django's 400s (raised before or outside DRF) in the envelope; a wrong host says what to change."""
    if isinstance(exception, DisallowedHost):
        host = str(request.META.get("HTTP_HOST", ""))[:200]
        detail = (
            f"Host {host!r} is not allowed: add it to the ALLOWED_HOSTS setting "
            "(comma-separated environment variable ALLOWED_HOSTS)."
        )
        return JsonResponse(
            error_body(type="invalid_request", code="disallowed_host", detail=detail, attr="ALLOWED_HOSTS"),
            status=400,
        )
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(
            error_body(type="invalid_request", code="request_too_large", detail="Request body is too large."),
            status=413,
        )
    detail = _suspicious_detail(exception) if isinstance(exception, SuspiciousOperation) else "Bad request."
    return JsonResponse(error_body(type="validation_error", code="invalid_input", detail=detail), status=400)
