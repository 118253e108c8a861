"""Load persons from ClickHouse for a batch: one lookup per batch, never per event."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from datetime import UTC, datetime

import orjson

from analytics.ingestion.persons import DistinctIdState, Person, PersonBook
from query_engine.backends import Backend

DISTINCT_IDS_SQL = """
SELECT distinct_id, argMax(person_id, version) AS current_person_id, max(version) AS latest_version
FROM person_distinct_id2
WHERE team_id = {team_id:Int64} AND distinct_id IN {distinct_ids:Array(String)}
GROUP BY distinct_id
HAVING argMax(is_deleted, version) = 0
"""

PERSONS_SQL = """
SELECT id, argMax(created_at, version), argMax(properties, version),
       argMax(is_identified, version), max(version)
FROM person
WHERE team_id = {team_id:Int64} AND id IN {person_ids:Array(UUID)}
GROUP BY id
"""

# Only run when a batch merges two persons, to move every id of the merged-away one.
DISTINCT_IDS_OF_PERSON_SQL = """
SELECT distinct_id, max(version) AS latest_version
FROM person_distinct_id2
WHERE team_id = {team_id:Int64}
GROUP BY distinct_id
HAVING argMax(person_id, version) = {person_id:UUID} AND argMax(is_deleted, version) = 0
"""


def _datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class PersonStore:
    """Reads the ClickHouse person tables into a ``PersonBook`` for one team."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def book(self, team_id: int, distinct_ids: Iterable[str]) -> PersonBook:
        ids = sorted(set(distinct_ids))
        mapping: dict[str, DistinctIdState] = {}
        if ids:
            result = self.backend.execute(DISTINCT_IDS_SQL, {"team_id": team_id, "distinct_ids": ids})
            for distinct_id, person_id, version in result.rows:
                mapping[distinct_id] = DistinctIdState(uuid_module.UUID(person_id), int(version))
        persons = self._persons(team_id, {state.person_id for state in mapping.values()})
        return PersonBook(
            team_id,
            mapping=mapping,
            persons=persons,
            distinct_ids_of=lambda person_id: self.distinct_ids_of(team_id, person_id),
        )

    def _persons(self, team_id: int, person_ids: set[uuid_module.UUID]) -> dict[uuid_module.UUID, Person]:
        if not person_ids:
            return {}
        result = self.backend.execute(
            PERSONS_SQL, {"team_id": team_id, "person_ids": sorted(str(pid) for pid in person_ids)}
        )
        persons = {}
        for person_id, created_at, properties, is_identified, version in result.rows:
            person = Person(
                id=uuid_module.UUID(person_id),
                created_at=_datetime(created_at),
                properties=orjson.loads(properties or "{}"),
                is_identified=bool(is_identified),
                version=int(version),
                stored_version=int(version),
            )
            persons[person.id] = person
        return persons

    def distinct_ids_of(self, team_id: int, person_id: uuid_module.UUID) -> list[tuple[str, int]]:
        result = self.backend.execute(
            DISTINCT_IDS_OF_PERSON_SQL, {"team_id": team_id, "person_id": str(person_id)}
        )
        return [(row[0], int(row[1])) for row in result.rows]
