"""One capture request from raw HTTP parts to stored events (no Django views here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics.ingestion.decoding import decode_body, to_payload
from analytics.ingestion.errors import EventRejected
from analytics.ingestion.events import CapturedEvent, parse_event
from analytics.ingestion.tokens import team_id_for_token
from analytics.ingestion.writer import PYTHON_WORK, get_writer


@dataclass
class CaptureOutcome:
    """What happened to a request's events: ``stored`` excludes duplicates of stored uuids."""

    team_id: int
    received: int
    accepted: int
    stored: int
    rejected: list[dict[str, Any]] = field(default_factory=list)


def validate_events(
    raw_events: list[Any], *, sent_at: datetime | None, now: datetime
) -> tuple[list[CapturedEvent], list[dict[str, Any]]]:
    valid, rejected = [], []
    for index, raw in enumerate(raw_events):
        try:
            valid.append(parse_event(raw, sent_at=sent_at, now=now))
        except EventRejected as exc:
            rejected.append({"index": index, "reason": exc.reason})
    return valid, rejected


def capture(
    body: bytes,
    *,
    query: Mapping[str, str],
    content_type: str,
    content_encoding: str,
    limit: int,
) -> CaptureOutcome:
    """Decode, authenticate, validate and store; raises ``CaptureError`` for a refused request.

    Valid events are stored even when others in the same request are rejected.
    """
    with PYTHON_WORK:
        document = decode_body(
            body, query=query, content_type=content_type, content_encoding=content_encoding, limit=limit
        )
        payload = to_payload(document, query)
    team_id = team_id_for_token(payload.token)
    with PYTHON_WORK:
        valid, rejected = validate_events(payload.events, sent_at=payload.sent_at, now=datetime.now(UTC))
    stored = get_writer().write(team_id, valid) if valid else 0
    return CaptureOutcome(
        team_id=team_id, received=len(payload.events), accepted=len(valid), stored=stored, rejected=rejected
    )
