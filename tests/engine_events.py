"""Store fixture events for engine tests through the capture endpoint (``/batch/``)."""

from __future__ import annotations

from typing import Any

from tests.capture import capture_events


def store_events(client: Any, team: Any, events: list[dict[str, Any]]) -> None:
    """Events as an SDK sends them: ``event``, ``distinct_id``, ``timestamp``, ``properties``."""
    capture_events(client, team, events)
