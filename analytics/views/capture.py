"""Capture endpoints: ``/batch/``, ``/capture/``, ``/e/``, ``/i/v0/e/`` (PostHog's ingestion API).

Responses: 200 ``{"status": 1}`` once every event is stored; 401 for a missing or unknown
project token; 413 when the body (raw or decompressed) is over the limit; 400 when the
body cannot be decoded, and also when some events are invalid. In that last case the
valid events of the request ARE stored and the 400 body says so:
``{"type": "validation_error", "code": "invalid_events", "detail": ..., "attr": null,
"accepted": <stored or duplicate>, "rejected": [{"index": i, "reason": ...}]}``.
CORS (preflight and headers) comes from django-cors-headers' ``CORS_URLS_REGEX``.
"""

from __future__ import annotations

import logging
from urllib.parse import quote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from analytics.ingestion.capture import CaptureOutcome, capture
from analytics.ingestion.errors import CaptureError, PayloadTooLarge
from query_engine.backends import BackendError

logger = logging.getLogger(__name__)

BATCH_LIMIT = 20 * 1024 * 1024
EVENT_LIMIT = 2 * 1024 * 1024


def _read_body(request: HttpRequest, limit: int) -> bytes:
    if request.method == "GET":
        data = request.GET.get("data", "")
        # Django already decoded the query string: quote it again for the form decoder.
        return f"data={quote_plus(data)}".encode() if data else b""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(f"Payload is larger than {limit} bytes.")
    # read() rather than .body: Django's upload limit would answer 400, not 413.
    body = request.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge(f"Payload is larger than {limit} bytes.")
    return body


def _rejected_response(outcome: CaptureOutcome) -> JsonResponse:
    first = outcome.rejected[0]
    detail = (
        f"{len(outcome.rejected)} of {outcome.received} events rejected "
        f"(event {first['index']}: {first['reason']}); the other {outcome.accepted} were stored."
    )
    body = {
        "type": "validation_error",
        "code": "invalid_events",
        "detail": detail,
        "attr": None,
        "accepted": outcome.accepted,
        "rejected": outcome.rejected,
    }
    return JsonResponse(body, status=400)


def _capture_view(request: HttpRequest, limit: int) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    if request.method not in ("GET", "POST"):
        return JsonResponse(CaptureError(f"Method {request.method} not allowed.").body(), status=405)
    try:
        body = _read_body(request, limit)
        outcome = capture(
            body,
            query=request.GET.dict(),
            content_type=request.META.get("CONTENT_TYPE", ""),
            content_encoding=request.META.get("HTTP_CONTENT_ENCODING", ""),
            limit=limit,
        )
    except CaptureError as exc:
        return JsonResponse(exc.body(), status=exc.status)
    except BackendError:
        # Nothing was acknowledged: the client keeps the events and retries.
        logger.exception("capture: event store unavailable")
        unavailable = {
            "type": "server_error",
            "code": "unavailable",
            "detail": "Event store unavailable.",
            "attr": None,
        }
        return JsonResponse(unavailable, status=503)
    if outcome.rejected:
        return _rejected_response(outcome)
    return JsonResponse({"status": 1})


@csrf_exempt
def batch(request: HttpRequest) -> HttpResponse:
    return _capture_view(request, BATCH_LIMIT)


@csrf_exempt
def event(request: HttpRequest) -> HttpResponse:
    return _capture_view(request, EVENT_LIMIT)
