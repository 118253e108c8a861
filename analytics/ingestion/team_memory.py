"""In-memory ingestion state per team, for a backend with a single writer process.

chDB allows exactly one process per data directory, so the writer of that process sees
every change to the person tables and every stored uuid. It can therefore keep, per
team, loaded lazily on the team's first batch and kept current after every write:

* a ``PersonBook`` of every distinct id and its person, so a batch needs no person
  lookup at all (new distinct ids are known to be new);
* the fingerprints of every stored event uuid, so the uuid lookup runs only for the
  uuids that may have been seen (the lookup stays the authority: a fingerprint hit is
  confirmed in ``event_uuids``; a miss is exact because every stored uuid is in the set).

Both have a size limit: a team past it is served by per-batch lookups instead (as with a
ClickHouse server, where several processes may write). Any failed write forgets the
team, so state that may be ahead of the store is reloaded from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.ingestion.fingerprints import FINGERPRINT_SQL, FingerprintSet
from analytics.ingestion.person_store import persons_from_rows, split_states
from analytics.ingestion.persons import PersonBook
from query_engine.backends import Backend

# Python objects cost roughly 1 KB per person with its properties: ~200 MB at the limit.
MAX_DISTINCT_IDS = 200_000
# 8 bytes per uuid: 160 MB at the limit.
MAX_UUIDS = 20_000_000

# Deleted ids too (tombstones: a new person for one continues its version).
ALL_DISTINCT_IDS_SQL = """
SELECT distinct_id, toString(argMax(person_id, version)) AS current_person_id, max(version) AS latest_version,
       argMax(is_deleted, version) AS deleted
FROM person_distinct_id2
WHERE team_id = {team_id:Int64}
GROUP BY distinct_id
LIMIT {limit:UInt64}
"""

# Persons some distinct id leads to (merged-away persons are not needed).
ALL_PERSONS_SQL = """
SELECT toString(id), toString(argMax(created_at, version)), argMax(properties, version),
       argMax(is_identified, version), max(version)
FROM person
WHERE team_id = {team_id:Int64} AND id IN (
    SELECT argMax(person_id, version) FROM person_distinct_id2
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
)
GROUP BY id
"""

ALL_UUIDS_SQL = f"""
SELECT {FINGERPRINT_SQL.format(expr="uuid")} FROM event_uuids
WHERE team_id = {{team_id:Int64}}
LIMIT {{limit:UInt64}}
"""


@dataclass
class TeamMemory:
    """One team's state; ``None`` parts are over their limit (use lookups)."""

    book: PersonBook | None
    uuids: FingerprintSet | None

    def maybe_seen(self, uuids: list[str], prints: np.ndarray) -> list[str]:
        """The uuids that may be stored (all of them without a fingerprint set)."""
        if self.uuids is None:
            return uuids
        hits = self.uuids.contains(prints)
        return [uuid for uuid, hit in zip(uuids, hits, strict=True) if hit]

    def committed(self, prints: np.ndarray) -> None:
        """The batch is staged: remember its uuids and make the book's changes the baseline.

        The writer forgets the team if the batch's insert then fails.
        """
        if self.uuids is not None:
            self.uuids.add(prints)
            if len(self.uuids) > MAX_UUIDS:
                self.uuids = None
        if self.book is not None:
            self.book.committed()
            if len(self.book.mapping) > MAX_DISTINCT_IDS:
                self.book = None


class WriterMemory:
    """The teams' states of this process's writer (changed only by staging and failed inserts)."""

    def __init__(self) -> None:
        self._teams: dict[int, TeamMemory] = {}

    def team(self, backend: Backend, team_id: int) -> TeamMemory:
        memory = self._teams.get(team_id)
        if memory is None:
            memory = self._teams[team_id] = load_team(backend, team_id)
        return memory

    def ready(self, team_id: int) -> bool:
        """True when the team's state is loaded and complete: staging it reads nothing."""
        memory = self._teams.get(team_id)
        return memory is not None and memory.book is not None and memory.uuids is not None

    def forget(self, team_ids: list[int] | None = None) -> None:
        """Drop state (all teams without ``team_ids``): the next batch reloads it from the store."""
        if team_ids is None:
            self._teams.clear()
        for team_id in team_ids or ():
            self._teams.pop(team_id, None)


def load_team(backend: Backend, team_id: int) -> TeamMemory:
    return TeamMemory(book=_load_book(backend, team_id), uuids=_load_uuids(backend, team_id))


def _load_book(backend: Backend, team_id: int) -> PersonBook | None:
    params = {"team_id": team_id, "limit": MAX_DISTINCT_IDS + 1}
    rows = backend.execute(ALL_DISTINCT_IDS_SQL, params).rows
    if len(rows) > MAX_DISTINCT_IDS:
        return None
    persons = persons_from_rows(backend.execute(ALL_PERSONS_SQL, {"team_id": team_id}).rows)
    mapping, tombstones = split_states(rows)
    return PersonBook(team_id, mapping=mapping, persons=persons, tombstones=tombstones)


def _load_uuids(backend: Backend, team_id: int) -> FingerprintSet | None:
    raw = backend.fetch_row_binary(ALL_UUIDS_SQL, {"team_id": team_id, "limit": MAX_UUIDS + 1})
    stored = np.frombuffer(raw, dtype="<u8")
    if len(stored) > MAX_UUIDS:
        return None
    return FingerprintSet(stored)
