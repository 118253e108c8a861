"""Turn a capture request's raw bytes into event dicts and an envelope.

Accepts what PostHog's SDKs send: plain JSON, gzip (``compression=gzip``/``gzip-js``,
``Content-Encoding: gzip`` or just the gzip magic bytes), base64 in a form field
``data`` (posthog-js "base64" mode, and GET ``?data=``), and a JSON body that is
itself base64 text (legacy clients). Three shapes: one event, an array of events,
or a ``{"batch": [...]}`` envelope. Size limits apply to the decompressed payload.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import msgspec

from analytics.ingestion.errors import CaptureError, InvalidToken, PayloadTooLarge
from analytics.ingestion.timestamps import parse_timestamp

GZIP_MAGIC = b"\x1f\x8b"
TOKEN_KEYS = ("token", "$token", "api_key")
ENVELOPE_TOKEN_KEYS = ("api_key", "token", "$token")


@dataclass
class CapturePayload:
    """A decoded request: one project token, the raw events, and the client's send time."""

    token: str
    events: list[Any]
    sent_at: datetime | None = None


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip, refusing output larger than ``limit`` without inflating it all."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise CaptureError(f"failed to decode request: invalid gzip data ({exc})") from exc
    if len(out) > limit or decompressor.unconsumed_tail:
        raise PayloadTooLarge(f"Decompressed payload is larger than {limit} bytes.")
    return out


def b64decode(text: bytes | str) -> bytes:
    if isinstance(text, str):
        text = text.encode("ascii", "ignore")
    text = text.strip().replace(b" ", b"+")  # form decoding turns '+' into ' '
    text += b"=" * (-len(text) % 4)
    try:
        if b"-" in text or b"_" in text:
            return base64.urlsafe_b64decode(text)
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise CaptureError(f"failed to decode request: invalid base64 data ({exc})") from exc


# msgspec decodes a batch into dicts and lists about twice as fast as orjson; it keeps
# integers past 64 bits as ints (orjson makes them floats), so everything that encodes
# captured values uses msgspec too.
_decode_json = msgspec.json.Decoder().decode


def _loads(data: bytes) -> Any:
    try:
        return _decode_json(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise CaptureError(f"failed to decode request: invalid JSON ({exc})") from exc


def decode_body(
    body: bytes,
    *,
    query: Mapping[str, str],
    content_type: str = "",
    content_encoding: str = "",
    limit: int,
) -> Any:
    """The JSON document a request carries, whatever its encoding."""
    compression = (query.get("compression") or "").lower()
    if "form-urlencoded" in content_type or body[:5] == b"data=":
        # latin-1 both ways keeps the field's bytes as sent (gzip or base64 alike).
        form = parse_qs(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        if "data" not in form:
            raise CaptureError("failed to decode request: form body without a data field")
        compression = (form.get("compression", [compression])[0] or "").lower()
        body = form["data"][0].encode("latin-1")
        if compression not in ("gzip", "gzip-js"):
            body = b64decode(body)
    if compression == "lz64":
        raise CaptureError("failed to decode request: lz64 compression is not supported; use gzip")
    if compression in ("gzip", "gzip-js") or "gzip" in content_encoding.lower() or body[:2] == GZIP_MAGIC:
        body = gunzip(body, limit)
    if len(body) > limit:
        raise PayloadTooLarge(f"Payload is larger than {limit} bytes.")
    stripped = body.lstrip()
    if not stripped:
        raise CaptureError("failed to decode request: empty body")
    if stripped[:1] not in (b"{", b"["):
        # Legacy clients post base64 text as the body itself.
        stripped = b64decode(stripped)
        if stripped[:2] == GZIP_MAGIC:
            stripped = gunzip(stripped, limit)
    return _loads(stripped)


def _event_token(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    for key in TOKEN_KEYS:
        if event.get(key):
            return str(event[key])
    properties = event.get("properties")
    if isinstance(properties, dict) and properties.get("token"):
        return str(properties["token"])
    return None


def _sent_at(document: Mapping[str, Any], query: Mapping[str, str]) -> datetime | None:
    raw = document.get("sent_at") or document.get("sentAt")
    if isinstance(raw, str) and raw:
        return parse_timestamp(raw)
    client_ms = query.get("_")
    if client_ms and client_ms.isdigit():
        try:
            sent = datetime.fromtimestamp(int(client_ms) / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):  # not a plausible client clock: ignore it
            return None
        return sent if sent.year >= 2021 else None
    return None


def to_payload(document: Any, query: Mapping[str, str]) -> CapturePayload:
    """Split a decoded document into token, events and send time (§3 of the capture spec)."""
    envelope: Mapping[str, Any] = document if isinstance(document, dict) else {}
    if isinstance(document, list):
        events = document
    elif isinstance(document, dict) and "batch" in document:
        events = document["batch"]
        if not isinstance(events, list):
            raise CaptureError("failed to decode request: batch must be a list of events")
    elif isinstance(document, dict):
        events = [document]
    else:
        raise CaptureError("failed to decode request: expected a JSON object or array")
    if not events:
        raise CaptureError("failed to decode request: empty batch", code="empty_batch")
    token = next((str(envelope[k]) for k in ENVELOPE_TOKEN_KEYS if envelope.get(k)), None)
    token = token or query.get("token") or query.get("api_key")
    if not token:
        tokens = {_event_token(event) for event in events} - {None}
        if len(tokens) > 1:
            raise InvalidToken("All events of one request must carry the same project API key.")
        token = tokens.pop() if tokens else None
    if not token:
        raise InvalidToken("event submitted without an api_key", code="missing_api_key")
    return CapturePayload(
        token=token,
        events=events,
        sent_at=_sent_at(envelope, query),
    )
