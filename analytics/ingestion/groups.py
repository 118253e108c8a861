"""Group analytics: ``properties.$groups = {type: key}`` becomes the ``$group_N`` columns.

Each project maps up to five group type names to indexes 0..4 in order of first
appearance; the mapping lives in ClickHouse ``group_type_mapping`` and is read once
per batch, only for batches that carry groups.
"""

from __future__ import annotations

from typing import Any

from analytics.ingestion.events import CapturedEvent
from query_engine.backends import Backend

MAX_GROUP_TYPES = 5

MAPPING_SQL = """
SELECT group_type, min(group_type_index) FROM group_type_mapping
WHERE team_id = {team_id:Int64}
GROUP BY group_type
"""


def _groups(event: CapturedEvent) -> dict[str, Any]:
    groups = event.properties.get("$groups")
    if event.event == "$groupidentify":
        group_type, key = event.properties.get("$group_type"), event.properties.get("$group_key")
        if isinstance(group_type, str) and key is not None:
            groups = {**(groups if isinstance(groups, dict) else {}), group_type: key}
    return groups if isinstance(groups, dict) else {}


def assign_group_columns[T](
    backend: Backend, team_id: int, events: list[CapturedEvent], rows: list[T]
) -> tuple[list[tuple[CapturedEvent, T]], dict[str, int]]:
    """Set ``$group_N`` on events with groups, registering new group types as needed.

    Returns the events that carry groups, each with its item of ``rows`` (a list parallel to
    ``events``), so the caller can update what it derived from their properties, and the
    project's type → index mapping (empty when no event names a group).
    """
    with_groups = [
        (event, groups, row) for event, row in zip(events, rows, strict=True) if (groups := _groups(event))
    ]
    if not with_groups:
        return [], {}
    mapping = {row[0]: int(row[1]) for row in backend.execute(MAPPING_SQL, {"team_id": team_id}).rows}
    new_rows = []
    for event, groups, _ in with_groups:
        for group_type, key in groups.items():
            index = mapping.get(group_type)
            if index is None and len(mapping) < MAX_GROUP_TYPES:
                index = mapping[group_type] = len(mapping)
                new_rows.append({"team_id": team_id, "group_type": group_type, "group_type_index": index})
            if index is not None and key is not None:
                event.properties[f"$group_{index}"] = key if isinstance(key, str) else str(key)
    if new_rows:
        backend.insert_json_rows("group_type_mapping", new_rows)
    return [(event, row) for event, _, row in with_groups], mapping
