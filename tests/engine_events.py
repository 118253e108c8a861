"""Store fixture events for engine tests.

Uses the capture endpoint helper (``tests/capture.py::capture_events``) when
it is available; until then events are written straight to the event store
with the same persons-on-events fields ingestion produces (person id per
distinct id, ``$set`` folded into the person-properties snapshot).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from query_engine.backends import get_backend

try:  # the ingestion helper's capture-endpoint fixture writer
    from tests.capture import capture_events as _capture_events
except ImportError:  # pragma: no cover - depends on the ingestion branch
    _capture_events = None


def person_uuid(team_id: int, distinct_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"person/{team_id}/{distinct_id}"))


def store_events(client: Any, team: Any, events: list[dict[str, Any]]) -> None:
    if _capture_events is not None:
        _capture_events(client, team, events)
        return
    persons: dict[str, dict[str, Any]] = {}
    created: dict[str, str] = {}
    rows = []
    for event in sorted(events, key=lambda e: e["timestamp"]):
        props = dict(event.get("properties") or {})
        distinct_id = str(event["distinct_id"])
        persons.setdefault(distinct_id, {}).update(props.pop("$set", {}) or {})
        created.setdefault(distinct_id, event["timestamp"])
        rows.append(
            {
                "uuid": str(uuid.uuid4()),
                "team_id": team.id,
                "event": event["event"],
                "distinct_id": distinct_id,
                "person_id": person_uuid(team.id, distinct_id),
                "timestamp": event["timestamp"].replace("T", " ").replace("Z", ""),
                "properties": json.dumps(props),
                "person_properties": json.dumps(persons[distinct_id]),
                "person_created_at": created[distinct_id].replace("T", " ").replace("Z", ""),
            }
        )
    get_backend().insert_json_rows("events", rows)
