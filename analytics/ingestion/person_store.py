"""Load persons from ClickHouse for a batch: one lookup per batch, never per event."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec

from analytics.ingestion.persons import DistinctIdState, Person, PersonBook
from query_engine.backends import Backend

# Deleted ids come too: a new person for one continues its version (see ``split_states``).
DISTINCT_IDS_SQL = """
SELECT distinct_id, toString(argMax(person_id, version)) AS current_person_id, max(version) AS latest_version,
       argMax(is_deleted, version) AS deleted
FROM person_distinct_id2
WHERE team_id = {team_id:Int64} AND distinct_id IN JSONExtract({distinct_ids:String}, 'Array(String)')
GROUP BY distinct_id
"""

PERSONS_SQL = """
SELECT toString(id), toString(argMax(created_at, version)), argMax(properties, version),
       argMax(is_identified, version), max(version)
FROM person
WHERE team_id = {team_id:Int64} AND id IN JSONExtract({person_ids:String}, 'Array(UUID)')
GROUP BY id
"""

# Only run when a batch merges persons: all distinct ids of the persons that may merge,
# so a merge can move every one of them (one scan per batch, not per merge).
DISTINCT_IDS_OF_PERSONS_SQL = """
SELECT distinct_id, toString(argMax(person_id, version)) AS current_person_id, max(version) AS latest_version
FROM person_distinct_id2
WHERE team_id = {team_id:Int64}
GROUP BY distinct_id
HAVING current_person_id IN JSONExtract({person_ids:String}, 'Array(String)')
   AND argMax(is_deleted, version) = 0
"""


def json_list(values: list[str]) -> str:
    """A list bound as one JSON text and unpacked by ``JSONExtract`` in the query.

    ClickHouse parses an ``Array`` parameter element by element (~5 µs each); a JSON
    string parameter is parsed in one pass, so a 1,000-id lookup costs ~40% less. The
    ``IN`` still uses the primary key (the JSONExtract is a constant).
    """
    return msgspec.json.encode(values).decode()


def _datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class PersonStore:
    """Reads the ClickHouse person tables into a ``PersonBook`` for one team."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def book(self, team_id: int, distinct_ids: Iterable[str], merging: Iterable[str] = ()) -> PersonBook:
        """State for ``distinct_ids``; ``merging`` names the ids of identify/alias events."""
        ids = sorted(set(distinct_ids))
        mapping: dict[str, DistinctIdState] = {}
        tombstones: dict[str, int] = {}
        if ids:
            result = self.backend.execute(
                DISTINCT_IDS_SQL, {"team_id": team_id, "distinct_ids": json_list(ids)}
            )
            mapping, tombstones = split_states(result.rows)
        merging_persons = sorted({mapping[did].person_id for did in merging if did in mapping})
        if merging_persons:
            params = {"team_id": team_id, "person_ids": json_list(merging_persons)}
            result = self.backend.execute(DISTINCT_IDS_OF_PERSONS_SQL, params)
            for distinct_id, state in states_from_rows(result.rows).items():
                mapping.setdefault(distinct_id, state)
        persons = self._persons(team_id, sorted({state.person_id for state in mapping.values()}))
        return PersonBook(team_id, mapping=mapping, persons=persons, tombstones=tombstones)

    def _persons(self, team_id: int, person_ids: list[str]) -> dict[str, Person]:
        if not person_ids:
            return {}
        result = self.backend.execute(PERSONS_SQL, {"team_id": team_id, "person_ids": json_list(person_ids)})
        return persons_from_rows(result.rows)


def states_from_rows(rows: list[list]) -> dict[str, DistinctIdState]:
    """``(distinct_id, person_id, version)`` rows as distinct-id states."""
    return {distinct_id: DistinctIdState(person_id, int(version)) for distinct_id, person_id, version in rows}


def split_states(rows: list[list]) -> tuple[dict[str, DistinctIdState], dict[str, int]]:
    """``(distinct_id, person_id, version, deleted)`` rows as the live ids' states and the
    deleted ids' latest versions (a deleted person's id may come back as a new person)."""
    live: dict[str, DistinctIdState] = {}
    tombstones: dict[str, int] = {}
    for distinct_id, person_id, version, deleted in rows:
        if int(deleted):
            tombstones[distinct_id] = int(version)
        else:
            live[distinct_id] = DistinctIdState(person_id, int(version))
    return live, tombstones


def persons_from_rows(rows: list[list]) -> dict[str, Person]:
    """``(id, created_at, properties, is_identified, version)`` rows as persons by id."""
    return {
        person_id: Person(
            id=person_id,
            created_at=_datetime(created_at),
            properties=msgspec.json.decode(properties or "{}"),
            is_identified=bool(is_identified),
            stored_version=int(version),
        )
        for person_id, created_at, properties, is_identified, version in rows
    }
