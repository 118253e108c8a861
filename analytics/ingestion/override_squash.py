"""Fold person overrides into ``events.person_id`` so queries need (almost) none.

A merge writes an override row per distinct id of the merged-away person; every query then
maps those ids' events to the surviving person (``query_engine.sql.persons``), a lookup that
costs nothing with no overrides and more than the old join with ~10^5. A squash rewrites the
events of up to ``PERSON_OVERRIDES_SQUASH_BATCH`` overridden ids in place
(``ALTER TABLE events UPDATE``, synchronous) and then deletes those override rows, up to the
version it folded in (a newer merge's row stays and is folded in next time).

Correct while ingestion and queries run:

* Events stamped with the pre-merge person are in the same write as the override row, or an
  earlier one. ``squash`` reads the overrides and starts the update
  with no write of the team in between (embedded: the journal is written and held; server:
  the team's ingestion lock), so the update covers every such event; later events of those
  ids carry the surviving person already.
* A reader sees either the override or the rewritten events, which answer the same. But a
  statement that began before the update finished may read old parts and evaluate its
  override set later (statements run side by side, on a server and on chDB's sessions), so
  the rows are deleted only once every such statement has ended (``grace_seconds``: the
  longest time limit any statement runs under).
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

import orjson
from django.conf import settings

from query_engine.backends import Backend
from query_engine.sql import override_squash as sql

logger = logging.getLogger(__name__)
# One run folds at most this many chunks of PERSON_OVERRIDES_SQUASH_BATCH ids.
MAX_CHUNKS = 100


class Writer(Protocol):
    """What a squash needs of ``EventWriter`` (which runs squashes itself: no import back)."""

    @property
    def backend(self) -> Backend: ...

    def writes_held(self, team_id: int) -> AbstractContextManager[None]: ...


def squash(writer: Writer, team_id: int) -> int:
    """Fold the team's person overrides into its events; returns how many overridden
    distinct ids were folded in and their rows deleted."""
    backend = writer.backend
    chunk = max(1, int(settings.PERSON_OVERRIDES_SQUASH_BATCH))
    taken: list[Snapshot] = []
    after = ""
    for _ in range(MAX_CHUNKS):
        with writer.writes_held(team_id):
            part = snapshot(backend, team_id, chunk, after)
            update_events(backend, team_id, part)
        if not part:
            break
        taken.append(part)
        after = part.ids[-1]
        if len(part) < chunk:
            break
    if taken:
        wait(grace_seconds())
        for part in taken:
            delete_overrides(backend, team_id, part)
    return sum(len(part) for part in taken)


def squash_all(writer: Writer) -> int:
    """``squash`` for every project that has overrides."""
    return sum(squash(writer, team_id) for team_id in teams_with_overrides(writer.backend))


@dataclass
class Snapshot:
    """One chunk of a team's overrides: the latest row of each id."""

    ids: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # the person of ``live`` ids, same order
    live: list[str] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)  # of ``ids``

    def __len__(self) -> int:
        return len(self.ids)


def snapshot(backend: Backend, team_id: int, limit: int, after: str = "") -> Snapshot:
    """Up to ``limit`` overridden ids greater than ``after``, in order."""
    taken = Snapshot()
    params = {"team_id": team_id, "limit": limit, "after": after}
    for distinct_id, person, is_deleted, version in backend.execute(sql.SNAPSHOT_SQL, params).rows:
        taken.ids.append(distinct_id)
        taken.versions.append(int(version))
        if not int(is_deleted):
            taken.live.append(distinct_id)
            taken.persons.append(person)
    return taken


def update_events(backend: Backend, team_id: int, taken: Snapshot) -> None:
    """The live ids' events get their override's person (the caller holds the team's writes)."""
    if taken.live:
        params = {"team_id": team_id, "ids": _json(taken.live), "persons": _json(taken.persons)}
        backend.command(sql.update_events(_cluster()), params)


def delete_overrides(backend: Backend, team_id: int, taken: Snapshot) -> None:
    if taken.ids:
        params = {"team_id": team_id, "ids": _json(taken.ids), "versions": _json(taken.versions)}
        backend.command(sql.delete_overrides(_cluster()), params)


def grace_seconds() -> float:
    """How long override rows outlive the update: ``PERSON_OVERRIDES_SQUASH_GRACE_SECONDS``
    when set (>= 0), else the longest any statement may run (see the module docstring)."""
    if settings.PERSON_OVERRIDES_SQUASH_GRACE_SECONDS >= 0:
        return float(settings.PERSON_OVERRIDES_SQUASH_GRACE_SECONDS)
    from analytics.services.cohorts import CALCULATION_TIMEOUT_SECONDS

    query_limits = (getattr(settings, "QUERY_TIMEOUT_SECONDS", None) or {}).values()
    return float(max(settings.CLICKHOUSE_MAX_EXECUTION_TIME, CALCULATION_TIMEOUT_SECONDS, *query_limits))


def teams_with_overrides(backend: Backend) -> list[int]:
    return [int(row[0]) for row in backend.execute(sql.TEAMS_SQL).rows]


def live_count(backend: Backend, team_id: int) -> int:
    return int(backend.execute(sql.COUNT_SQL, {"team_id": team_id}).rows[0][0])


def wait(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def _cluster() -> str | None:
    return settings.CLICKHOUSE_CLUSTER or None


def _json(values: list) -> str:
    return orjson.dumps(values).decode()
