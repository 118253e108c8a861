"""Send demo events through a running server's ``/batch/`` capture endpoint.

In embedded mode the server's process holds chDB's data directory, so a second process
(``generate_demo_data`` run beside ``bin/serve``) cannot write to it: it posts the events
the way an SDK would instead, with the project token, in batches.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from analytics.ingestion.events import CapturedEvent

UPLOAD_BATCH_SIZE = 2_000  # about 1 MB of JSON, far under the capture body limit
TIMEOUT_SECONDS = 120


class UploadError(Exception):
    """The server could not be reached or refused a batch; the message says which."""


def capture_payload(event: CapturedEvent) -> dict[str, Any]:
    """The event as an SDK sends it: its uuid (so a repeat is deduplicated) and its own time."""
    payload: dict[str, Any] = {
        "event": event.event,
        "distinct_id": event.distinct_id,
        "uuid": event.uuid,
        "timestamp": event.timestamp.isoformat(),
        "properties": event.properties,
    }
    if event.set:
        payload["$set"] = event.set
    if event.set_once:
        payload["$set_once"] = event.set_once
    return payload


def post_batch(server: str, api_token: str, events: Iterable[CapturedEvent]) -> None:
    body = json.dumps({"api_key": api_token, "batch": [capture_payload(e) for e in events]}).encode()
    request = urllib.request.Request(
        f"{server.rstrip('/')}/batch/",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        raise UploadError(f"{server}/batch/ answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UploadError(f"no server answered at {server} ({reason})") from None


def server_answers(server: str) -> bool:
    """Is something listening that answers ``/_health`` (200, or 503 while degraded)?"""
    try:
        with urllib.request.urlopen(f"{server.rstrip('/')}/_health", timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False
