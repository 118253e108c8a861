"""Send events through the capture endpoint, as an SDK would, for tests that need data.

``capture_events(client, team, events)`` posts ``{"api_key": team.api_token, "batch": events}``
as JSON to ``/batch/`` with Django's or DRF's test client and asserts 200. Each event:
``event``, ``distinct_id``, optional ``timestamp`` (ISO text), ``properties``, ``uuid``.
When it returns, the events (and their persons) are stored in ClickHouse and queryable.
"""

from __future__ import annotations

import json
from typing import Any


def capture_events(client, team, events: list[dict[str, Any]]):
    # Encoded here so Django's Client and DRF's APIClient send the same bytes;
    # datetimes (if a test passes them) become ISO text as an SDK would send.
    body = json.dumps({"api_key": team.api_token, "batch": events}, default=_iso)
    response = client.post("/batch/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response


def _iso(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
