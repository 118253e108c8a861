"""Errors the capture endpoints answer with, in PostHog's error envelope."""

from __future__ import annotations

from typing import Any


class CaptureError(Exception):
    """A request the capture endpoint refuses as a whole; nothing of it is stored."""

    status = 400
    type = "validation_error"
    code = "invalid_payload"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"type": self.type, "code": self.code, "detail": self.detail, "attr": None}


class InvalidToken(CaptureError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class PayloadTooLarge(CaptureError):
    status = 413
    type = "invalid_request"
    code = "payload_too_large"


class EventRejected(ValueError):
    """One event of a batch is invalid; the rest of the batch is still stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
