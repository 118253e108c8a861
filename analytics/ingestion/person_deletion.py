"""Delete one person from the ClickHouse person tables (and, if asked, its events).

Deletion writes newer rows with ``is_deleted = 1``: the person's row and each distinct id
that leads to it, so readers (latest row by ``version``) no longer see them, and ingestion
treats those distinct ids as deleted (``PersonBook.tombstones``): a later event from one
starts a new person. Run by ``EventWriter.delete_person``, which keeps the writer's
in-memory state in step.
"""

from __future__ import annotations

from typing import Any

import orjson

from query_engine.backends import Backend

PERSON_SQL = """
SELECT toString(argMax(created_at, version)), argMax(properties, version), argMax(is_identified, version),
       max(version)
FROM person
WHERE team_id = {team_id:Int64} AND id = toUUID({person_id:String})
GROUP BY id
HAVING argMax(is_deleted, version) = 0
"""

# The distinct ids whose latest row names the person (candidates found by person_id first).
DISTINCT_IDS_SQL = """
SELECT distinct_id, max(version)
FROM person_distinct_id2
WHERE team_id = {team_id:Int64} AND distinct_id IN (
    SELECT distinct_id FROM person_distinct_id2
    WHERE team_id = {team_id:Int64} AND person_id = toUUID({person_id:String})
)
GROUP BY distinct_id
HAVING argMax(person_id, version) = toUUID({person_id:String}) AND argMax(is_deleted, version) = 0
"""

# A lightweight delete: rows vanish from reads at once, disk space comes back on merges.
DELETE_EVENTS_SQL = """
DELETE FROM events
WHERE team_id = {team_id:Int64} AND distinct_id IN JSONExtract({distinct_ids:String}, 'Array(String)')
"""


def delete_person(backend: Backend, team_id: int, person_id: str, *, delete_events: bool) -> bool:
    """False when no live person has this id. The caller holds the writer's team lock."""
    params = {"team_id": team_id, "person_id": person_id}
    found = backend.execute(PERSON_SQL, params).rows
    if not found:
        return False
    created_at, properties, is_identified, version = found[0]
    distinct_ids = backend.execute(DISTINCT_IDS_SQL, params).rows
    # Distinct ids first: a reader never sees a live id leading to a deleted person's row.
    if distinct_ids:
        backend.insert_json_rows(
            "person_distinct_id2", [_deleted_id(team_id, person_id, *r) for r in distinct_ids]
        )
    person_row: dict[str, Any] = {
        "id": person_id,
        "team_id": team_id,
        "created_at": created_at,
        "properties": properties,
        "is_identified": int(is_identified),
        "is_deleted": 1,
        "version": int(version) + 1,
    }
    backend.insert_json_rows("person", [person_row])
    if delete_events and distinct_ids:
        ids = orjson.dumps([row[0] for row in distinct_ids]).decode()
        backend.command(DELETE_EVENTS_SQL, {"team_id": team_id, "distinct_ids": ids})
    return True


def _deleted_id(team_id: int, person_id: str, distinct_id: str, version: int) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "distinct_id": distinct_id,
        "person_id": person_id,
        "is_deleted": 1,
        "version": int(version) + 1,
    }
