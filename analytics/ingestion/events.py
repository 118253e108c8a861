"""Validate one raw event into a ``CapturedEvent`` (field rules of the capture spec, §3)."""

from __future__ import annotations

import re
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from analytics.ingestion.elements import elements_chain as chain_from_elements
from analytics.ingestion.errors import EventRejected
from analytics.ingestion.timestamps import event_time, parse_timestamp

MAX_DISTINCT_ID_LENGTH = 200
MAX_EVENT_NAME_LENGTH = 200
# SDKs send the canonical form; anything else goes through uuid.UUID to normalise it.
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(slots=True)
class CapturedEvent:
    """A valid event, its time final, ready for person processing.

    ``set``/``set_once``/``unset`` gather the person updates from the top level and
    from ``properties`` (where they also stay, as PostHog stores them).
    """

    uuid: str  # canonical text form
    event: str
    distinct_id: str
    timestamp: datetime
    properties: dict[str, Any]
    set: dict[str, Any] = field(default_factory=dict)
    set_once: dict[str, Any] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    elements_chain: str = ""
    # Filled by person processing.
    person_id: str | None = None
    person_properties: str = "{}"
    person_created_at: str = ""  # ClickHouse DateTime64 text


def _distinct_id(raw: dict[str, Any], properties: dict[str, Any]) -> str:
    value = raw.get("distinct_id")
    if value is None or value == "":
        value = raw.get("$distinct_id")
    if value is None or value == "":
        value = properties.get("distinct_id")
    if value is None:
        raise EventRejected("event submitted without a distinct_id")
    text = distinct_id_text(value)
    if text is None:
        raise EventRejected("event submitted with an empty distinct_id")
    return text


def distinct_id_text(value: Any) -> str | None:
    """A distinct id as stored (None when empty): also for the ids a merge event names.

    Numbers become "23", objects compact JSON, as PostHog stringifies them.
    """
    if value is None:
        return None
    text = (value if isinstance(value, str) else msgspec.json.encode(value).decode()).strip()
    return text[:MAX_DISTINCT_ID_LENGTH] or None


def _uuid(raw: dict[str, Any]) -> str:
    """The canonical text form (lowercase, hyphenated), so equal uuids compare equal."""
    value = raw.get("uuid")
    if value is None or value == "":
        return str(uuid_module.uuid4())
    if isinstance(value, str) and CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuid_module.UUID(str(value)))
    except ValueError:
        raise EventRejected(f"event submitted with an invalid uuid: {str(value)[:64]!r}")


def _person_update(raw: dict[str, Any], properties: dict[str, Any], key: str) -> dict[str, Any]:
    """Top-level and in-properties updates together; kept in properties as PostHog shows them."""
    if key not in raw and key not in properties:
        return {}
    merged: dict[str, Any] = {}
    for source in (properties.get(key), raw.get(key)):
        if isinstance(source, dict):
            merged.update(source)
    if merged:
        properties[key] = merged
    return merged


def _unset(raw: dict[str, Any], properties: dict[str, Any]) -> list[str]:
    if "$unset" not in raw and "$unset" not in properties:
        return []
    keys: list[str] = []
    for source in (properties.get("$unset"), raw.get("$unset")):
        if isinstance(source, list | dict):  # a list of keys, or an object whose keys go
            keys.extend(str(key) for key in source)
    return keys


def _timestamp(raw: dict[str, Any], *, sent_at: datetime | None, now: datetime, properties) -> datetime:
    timestamp = None
    raw_timestamp = raw.get("timestamp")
    if raw_timestamp not in (None, ""):
        timestamp = parse_timestamp(raw_timestamp) if isinstance(raw_timestamp, str) else None
        if timestamp is None:
            raise EventRejected(f"event submitted with an invalid timestamp: {str(raw_timestamp)[:64]!r}")
    offset = raw.get("offset")
    if not isinstance(offset, int | float) or isinstance(offset, bool):
        offset = None
    if properties.get("$ignore_sent_at") is True:
        sent_at = None
    try:
        return event_time(timestamp=timestamp, sent_at=sent_at, offset_ms=offset, now=now)
    except (OverflowError, ValueError):  # an offset or skew past datetime's range
        raise EventRejected("event submitted with an offset or timestamp out of range") from None


def parse_event(raw: Any, *, sent_at: datetime | None, now: datetime) -> CapturedEvent:
    """A valid event or ``EventRejected`` with the reason."""
    if not isinstance(raw, dict):
        raise EventRejected("event must be a JSON object")
    name = raw.get("event")
    if not isinstance(name, str) or not name.strip():
        raise EventRejected("event submitted without an event name")
    properties = raw.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise EventRejected("event properties must be a JSON object")
    distinct_id = _distinct_id(raw, properties)
    elements_chain = properties.pop("$elements_chain", "")
    elements = properties.pop("$elements", None)  # posthog-js autocapture: stored as the chain
    if not elements_chain and elements is not None:
        elements_chain = chain_from_elements(elements)
    properties.pop("token", None)
    return CapturedEvent(
        uuid=_uuid(raw),
        event=name[:MAX_EVENT_NAME_LENGTH],
        distinct_id=distinct_id,
        timestamp=_timestamp(raw, sent_at=sent_at, now=now, properties=properties),
        set=_person_update(raw, properties, "$set"),
        set_once=_person_update(raw, properties, "$set_once"),
        unset=_unset(raw, properties),
        properties=properties,
        elements_chain=elements_chain if isinstance(elements_chain, str) else "",
    )
