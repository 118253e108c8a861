"""The ``events`` table row of a captured event (JSONEachRow), built in two steps.

``event_row`` needs only the event and runs in the request's thread; ``stamp_person``
adds the person columns once the writer has processed persons.
"""

from __future__ import annotations

from typing import Any

from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.timestamps import datetime64_text

# Columns whose DEFAULT extracts them from properties: sent explicitly, so ClickHouse
# need not parse every event's properties JSON once per column on insert.
EXTRACTED_COLUMNS = ("$session_id", "$window_id", "$group_0", "$group_1", "$group_2", "$group_3", "$group_4")


# The row when properties carry none of them; the DEFAULT (JSONExtractString) gives ''
# for missing and non-string values, and so do we.
_NOT_EXTRACTED = dict.fromkeys(EXTRACTED_COLUMNS, "")


def event_row(team_id: int, event: CapturedEvent, created_at: str) -> dict[str, Any]:
    """The ``events`` row; the person columns are filled by ``stamp_person`` later."""
    properties = event.properties
    row = {
        **_NOT_EXTRACTED,
        "uuid": event.uuid,
        "team_id": team_id,
        "event": event.event,
        "distinct_id": event.distinct_id,
        "timestamp": datetime64_text(event.timestamp),
        # Sent as a JSON object: ClickHouse stores its text in the String column
        # (input_format_json_read_objects_as_strings, on by default), one encoding pass.
        "properties": properties,
        "elements_chain": event.elements_chain,
        "created_at": created_at,
    }
    extract_columns(row, properties)
    return row


def extract_columns(row: dict[str, Any], properties: dict[str, Any]) -> None:
    for column in EXTRACTED_COLUMNS:
        if column in properties and isinstance(value := properties[column], str):
            row[column] = value


def stamp_person(row: dict[str, Any], event: CapturedEvent) -> dict[str, Any]:
    row["person_id"] = event.person_id
    row["person_properties"] = event.person_properties
    row["person_created_at"] = event.person_created_at
    return row
