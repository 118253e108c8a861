"""SDK routes besides capture: ``/flags``, ``/decide``, ``/array/<token>/config(.js)``.

They answer for a project with no feature flags the way PostHog does, so posthog-js
starts without console errors and server SDKs read every flag as off. The project token
(``phc_...``) is the only credential, as in PostHog; a wrong one answers 401 (flags) or
404 (config, which is addressed by the token). CORS comes from ``CORS_URLS_REGEX``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from analytics.ingestion.decoding import decode_body
from analytics.ingestion.errors import CaptureError, InvalidToken, PayloadTooLarge
from analytics.ingestion.tokens import team_id_for_token
from analytics.sdk.flags import decide_response, flags_response
from analytics.sdk.remote_config import remote_config, remote_config_js

BODY_LIMIT = 1024 * 1024
TOKEN_KEYS = ("token", "api_key", "$token")


def _error(exc: CaptureError) -> JsonResponse:
    return JsonResponse(exc.body(), status=exc.status)


def _request_document(request: HttpRequest) -> Mapping[str, Any]:
    if request.method != "POST":
        return {}
    body = request.read(BODY_LIMIT + 1)
    if len(body) > BODY_LIMIT:
        raise PayloadTooLarge(f"Payload is larger than {BODY_LIMIT} bytes.")
    if not body.strip():
        return {}
    document = decode_body(
        body,
        query=request.GET.dict(),
        content_type=request.META.get("CONTENT_TYPE", ""),
        content_encoding=request.META.get("HTTP_CONTENT_ENCODING", ""),
        limit=BODY_LIMIT,
    )
    if not isinstance(document, dict):
        raise CaptureError("failed to decode request: the body must be a JSON object")
    return document


def _checked_token(request: HttpRequest) -> str:
    document = _request_document(request)
    for source in (document, request.GET):
        for key in TOKEN_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value:
                team_id_for_token(value)  # InvalidToken (401) for an unknown one
                return value
    raise InvalidToken("No project API key provided. Send the project's token (phc_...) as `token`.")


def _flags_view(request: HttpRequest, build) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    if request.method not in ("GET", "POST"):
        return _error(CaptureError(f"Method {request.method} not allowed.", code="method_not_allowed"))
    try:
        token = _checked_token(request)
    except CaptureError as exc:
        return _error(exc)
    return JsonResponse(build(token, request))


@csrf_exempt
def flags(request: HttpRequest) -> HttpResponse:
    return _flags_view(
        request,
        lambda token, req: flags_response(
            token, version=req.GET.get("v"), with_config=req.GET.get("config") in ("true", "1")
        ),
    )


@csrf_exempt
def decide(request: HttpRequest) -> HttpResponse:
    return _flags_view(request, lambda token, req: decide_response(token, version=req.GET.get("v")))


def _known_token(token: str) -> bool:
    try:
        team_id_for_token(token)
    except InvalidToken:
        return False
    return True


def _not_found() -> JsonResponse:
    body = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}
    return JsonResponse(body, status=404)


def array_config(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    if not _known_token(token):
        return _not_found()
    return JsonResponse(remote_config(token))


def array_config_js(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    if not _known_token(token):
        return _not_found()
    return HttpResponse(remote_config_js(token), content_type="application/javascript; charset=utf-8")
