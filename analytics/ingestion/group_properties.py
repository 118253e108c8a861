"""Group properties from ``$groupidentify`` events, written to the ClickHouse ``groups`` table.

An identify names its group by ``$group_type`` (a type name, mapped to its index 0..4) and
``$group_key``; its ``$group_set`` keys are merged into the stored properties (later values
overwrite per key, in event order). Each write is a new row with the next ``version``;
``created_at`` is the earliest timestamp the group was identified at. Types past the
fifth have no index, so their groups are not stored (as PostHog).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.person_store import json_list
from analytics.ingestion.timestamps import datetime64_text
from query_engine.backends import Backend

GROUPS_SQL = """
SELECT group_type_index, group_key, argMax(group_properties, version),
       toUnixTimestamp64Micro(argMax(created_at, version)), max(version)
FROM groups
WHERE team_id = {team_id:Int64} AND group_key IN JSONExtract({keys:String}, 'Array(String)')
GROUP BY group_type_index, group_key
"""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class _Group:
    properties: dict[str, Any]
    created_at: datetime
    version: int


def identified_groups(
    events: list[CapturedEvent], mapping: dict[str, int]
) -> list[tuple[int, str, CapturedEvent]]:
    """``(group_type_index, group_key, event)`` of each ``$groupidentify`` whose type has an index."""
    found = []
    for event in events:
        if event.event != "$groupidentify":
            continue
        group_type, key = event.properties.get("$group_type"), event.properties.get("$group_key")
        index = mapping.get(group_type) if isinstance(group_type, str) else None
        if index is not None and key is not None and key != "":
            found.append((index, key if isinstance(key, str) else str(key), event))
    return found


def group_rows(
    backend: Backend, team_id: int, identified: list[tuple[int, str, CapturedEvent]]
) -> list[dict[str, Any]]:
    """One ``groups`` row per identified group: its stored properties with every ``$group_set``
    of ``identified`` merged in. Reads the store (the caller makes sure it is current)."""
    if not identified:
        return []
    groups = _stored(backend, team_id, sorted({key for _, key, _ in identified}))
    changed: dict[tuple[int, str], _Group] = {}
    for index, key, event in identified:
        group = groups.get((index, key))
        if group is None:
            group = groups[(index, key)] = _Group({}, event.timestamp, 0)
        else:
            group.created_at = min(group.created_at, event.timestamp)
        updates = event.properties.get("$group_set")
        if isinstance(updates, dict):
            group.properties.update(updates)
        changed[(index, key)] = group
    return [
        {
            "team_id": team_id,
            "group_type_index": index,
            "group_key": key,
            "group_properties": msgspec.json.encode(group.properties).decode(),
            "created_at": datetime64_text(group.created_at),
            "version": group.version + 1,
        }
        for (index, key), group in changed.items()
    ]


def _stored(backend: Backend, team_id: int, keys: list[str]) -> dict[tuple[int, str], _Group]:
    result = backend.execute(GROUPS_SQL, {"team_id": team_id, "keys": json_list(keys)})
    return {
        (int(index), key): _Group(
            properties=msgspec.json.decode(properties or "{}"),
            created_at=EPOCH + timedelta(microseconds=int(micros)),
            version=int(version),
        )
        for index, key, properties, micros, version in result.rows
    }
