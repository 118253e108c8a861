"""Write captured events to ClickHouse: dedup, persons, then one insert per table.

ClickHouse is the only store of persons (PostHog keeps them in Postgres and streams
them to ClickHouse; here the writer reads and writes the ClickHouse tables directly).

Persons-on-events contract (what the query engine may rely on)
--------------------------------------------------------------
* Every ``events`` row carries ``person_id`` (UUID), ``person_properties`` (JSON text of
  the person's properties at ingestion, after that event's ``$set``/``$set_once``/
  ``$unset``) and ``person_created_at``. Events with ``$process_person_profile: false``
  carry the distinct id's person id if one exists (else a deterministic one), ``{}``
  and 1970-01-01.
* ``person`` and ``person_distinct_id2`` are kept current (ReplacingMergeTree rows with
  increasing ``version``; read the latest with ``argMax(..., version)``; a person
  merged away gets a row with ``is_deleted = 1``).
* When ``$identify`` (``$anon_distinct_id``), ``$create_alias`` or ``$merge_dangerously``
  (``alias``) merges two persons, every distinct id of the merged-away person gets a row
  in ``person_distinct_id_overrides (team_id, distinct_id, person_id, is_deleted,
  version > 0)`` naming the surviving person. So the effective person of an event is
  the override's ``person_id`` for ``(team_id, distinct_id)`` when a row exists (latest
  by ``version``), else ``events.person_id``; merged distinct ids count as one person.
* The same ``(team_id, uuid)`` is stored once: ``event_uuids`` (filled by a materialized
  view on ``events``) remembers every stored uuid; later copies are dropped, within a
  batch and across batches.

Events with ``properties.$groups = {type: key}`` get ``$group_N`` (N = the type's index in
``group_type_mapping``, assigned 0..4 in order of first appearance per project).

A call to ``write`` returns once the rows are inserted (so they are queryable).
Concurrent calls are group-committed: whichever caller holds the write lock takes
every pending batch and writes them together, so many small requests cost one set
of ClickHouse statements. Before taking them it waits up to a few milliseconds for
more requests to arrive while the group is small.

Person state and the uuid dedup: with a ClickHouse server (several processes may write)
each group reads the persons of its distinct ids and looks its uuids up, once per team,
holding the team's lock in the shared cache (Redis) so that those reads and the inserts
that follow are not interleaved with another process's.
With chDB the writer's process is the only writer (``backend.single_writer``), so it
keeps each team's persons and stored-uuid fingerprints in memory (``team_memory``) and
looks up only uuids the fingerprints say may be stored.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from analytics.ingestion.event_rows import event_row, extract_columns, stamp_person
from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.fingerprints import fingerprints
from analytics.ingestion.groups import assign_group_columns
from analytics.ingestion.person_store import PersonStore, json_list
from analytics.ingestion.persons import PersonBook, merge_partner
from analytics.ingestion.team_memory import TeamMemory, WriterMemory
from analytics.ingestion.timestamps import clickhouse_datetime
from query_engine import singleflight
from query_engine.backends import Backend, BackendError, get_backend

EXISTING_UUIDS_SQL = """
SELECT DISTINCT uuid FROM event_uuids
WHERE team_id = {team_id:Int64} AND uuid IN JSONExtract({uuids:String}, 'Array(UUID)')
"""


# Group commit: the writer waits up to GROUP_WAIT_SECONDS for concurrent requests until
# a group holds GROUP_TARGET_EVENTS (measured at batch size 100, 4 clients: ~30% less
# server CPU per event; a lone request pays the wait once).
GROUP_WAIT_SECONDS = 0.003
# How long a group waits for another process's write of the same team (ClickHouse server only).
WRITE_LOCK_WAIT = 30.0
GROUP_TARGET_EVENTS = 1000


@dataclass
class _Job:
    team_id: int
    events: list[CapturedEvent]
    # The events' rows, built by the request's thread before it queues the job: only the
    # person columns are left to fill under the write lock, which every request waits on.
    rows: list[dict[str, Any]]
    stored: int = 0
    done: bool = False
    error: BaseException | None = None


@dataclass
class WriteStats:
    stored: int = 0
    duplicates: int = 0
    persons_written: int = 0
    merges: int = 0


def prepared_job(team_id: int, events: list[CapturedEvent]) -> _Job:
    created_at = clickhouse_datetime(datetime.now(UTC))
    return _Job(team_id=team_id, events=events, rows=[event_row(team_id, e, created_at) for e in events])


# Pure-Python ingestion work (decoding, validation, row building, the writer's person
# processing) runs one thread at a time: the GIL serialises it anyway, and with fewer
# threads taking turns for it the writer (the critical path, which everyone waits on)
# runs its Python part without 5 ms GIL hand-offs and gets the GIL back promptly after
# each chDB statement. Measured at batch 1000: the writer's Python time per group fell
# by ~40%. Lock order: the write lock, then this; never the other way round.
PYTHON_WORK = threading.Semaphore(1)


class EventWriter:
    """Stores events durably; ``write`` returns the number stored (duplicates excluded)."""

    def __init__(self, backend: Backend | None = None) -> None:
        self._backend = backend
        self._pending: list[_Job] = []
        self._pending_lock = threading.Lock()
        self._arrived = threading.Condition(self._pending_lock)
        self._write_lock = threading.Lock()
        self._memory = WriterMemory()

    @property
    def backend(self) -> Backend:
        return self._backend or get_backend()

    def write(self, team_id: int, events: list[CapturedEvent]) -> int:
        with PYTHON_WORK:
            job = prepared_job(team_id, events)
        with self._pending_lock:
            self._pending.append(job)
            self._arrived.notify()
        with self._write_lock:
            if not job.done:
                with self._pending_lock:
                    self._gather()
                    jobs, self._pending = self._pending, []
                try:
                    self._write_jobs(jobs)
                except BaseException as exc:
                    for other in jobs:
                        other.error = exc
                    raise
                finally:
                    for other in jobs:
                        other.done = True
        if job.error is not None:
            raise job.error
        return job.stored

    def _gather(self) -> None:
        """Wait briefly for more requests to join a small group (caller holds the pending lock).

        Every group pays a fixed cost per statement, so a few milliseconds spent collecting
        concurrent requests buys more events per statement; bounded so a lone request waits
        at most ``GROUP_WAIT_SECONDS``.
        """
        deadline = time.monotonic() + GROUP_WAIT_SECONDS
        while sum(len(job.events) for job in self._pending) < GROUP_TARGET_EVENTS:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._arrived.wait(remaining)

    def write_direct(self, team_id: int, events: list[CapturedEvent], *, dedup: bool = True) -> WriteStats:
        """Write one batch now, in the caller's thread (bulk loaders use this)."""
        job = prepared_job(team_id, events)
        with self._write_lock:
            return self._write_jobs([job], dedup=dedup)

    def forget(self) -> None:
        """Drop in-memory team state; call after the store changed behind the writer's back."""
        with self._write_lock:
            self._memory.forget()

    def _write_jobs(self, jobs: list[_Job], *, dedup: bool = True) -> WriteStats:
        by_team: dict[int, list[tuple[_Job, CapturedEvent, dict[str, Any]]]] = defaultdict(list)
        for job in jobs:
            by_team[job.team_id].extend(zip([job] * len(job.events), job.events, job.rows, strict=True))
        with ExitStack() as locks:
            if not self.backend.single_writer:
                # Several processes write to a ClickHouse server: dedup, persons and new group
                # types read then write, so one process at a time per team (sorted: no deadlock).
                for team_id in sorted(by_team):
                    try:
                        locks.enter_context(
                            singleflight.held(f"ingest:{team_id}", wait_seconds=WRITE_LOCK_WAIT)
                        )
                    except singleflight.LockTimeout as exc:
                        raise BackendError(f"another process kept team {team_id}'s write lock") from exc
            return self._write_teams(by_team, dedup=dedup)

    def _write_teams(
        self, by_team: dict[int, list[tuple[_Job, CapturedEvent, dict[str, Any]]]], *, dedup: bool
    ) -> WriteStats:
        stats = WriteStats()
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        written: list[tuple[TeamMemory, np.ndarray]] = []
        try:
            # Every waiting request depends on this Python work: request threads pause theirs
            # meanwhile instead of taking turns with it for the GIL.
            with PYTHON_WORK:
                for team_id, items in by_team.items():
                    if (done := self._stage_team(team_id, items, rows, stats, dedup=dedup)) is not None:
                        written.append(done)
            # Persons before events; event_uuids is filled by a materialized view in the
            # same insert as events, so an event is never marked seen without being stored.
            for table in ("person", "person_distinct_id2", "person_distinct_id_overrides", "events"):
                if rows[table]:
                    self.backend.insert_json_rows(table, rows[table])
        except BaseException:
            # In-memory state may now be ahead of the store: reload it on the next batch.
            self._memory.forget(list(by_team))
            raise
        for memory, prints in written:
            memory.committed(prints)
        stats.stored = len(rows["events"])
        return stats

    def _stage_team(
        self,
        team_id: int,
        items: list[tuple[_Job, CapturedEvent, dict[str, Any]]],
        rows: dict[str, list[dict[str, Any]]],
        stats: WriteStats,
        *,
        dedup: bool,
    ) -> tuple[TeamMemory, np.ndarray] | None:
        """Dedup, groups and persons for one team's events; their rows go into ``rows``.

        Returns the team's in-memory state and uuid fingerprints to commit once the rows
        are stored (None when the backend has several writers and nothing is kept).
        """
        backend = self.backend
        memory = self._memory.team(backend, team_id) if backend.single_writer else None
        uuids = list({event.uuid: None for _, event, _ in items})
        prints = fingerprints(uuids) if memory is not None else None
        if dedup:
            candidates = memory.maybe_seen(uuids, prints) if memory is not None else uuids
            fresh = self._drop_duplicates(team_id, items, candidates)
        else:
            fresh = items
        stats.duplicates += len(items) - len(fresh)
        events = [event for _, event, _ in fresh]
        for event, row in assign_group_columns(backend, team_id, events, [row for *_, row in fresh]):
            extract_columns(row, event.properties)
        self._process_persons(team_id, events, rows, stats, memory.book if memory is not None else None)
        for job, event, row in fresh:
            job.stored += 1
            rows["events"].append(stamp_person(row, event))
        return (memory, prints) if memory is not None else None

    def _drop_duplicates(
        self, team_id: int, items: list[tuple[_Job, CapturedEvent, dict[str, Any]]], candidates: list[str]
    ) -> list[tuple[_Job, CapturedEvent, dict[str, Any]]]:
        """Drop events whose uuid is stored (among ``candidates``) or repeats in the batch."""
        seen: set[str] = set()
        if candidates:
            params = {"team_id": team_id, "uuids": json_list(sorted(candidates))}
            seen.update(row[0] for row in self.backend.execute(EXISTING_UUIDS_SQL, params).rows)
        fresh = []
        for item in items:
            if item[1].uuid not in seen:
                seen.add(item[1].uuid)
                fresh.append(item)
        return fresh

    def _process_persons(
        self,
        team_id: int,
        events: list[CapturedEvent],
        rows: dict[str, list],
        stats: WriteStats,
        book: PersonBook | None,
    ) -> None:
        """Stamp events with persons; ``book`` is the team's in-memory book, else one is looked up."""
        if not events:
            return
        if book is None:
            book = self._looked_up_book(team_id, events)
        for event in events:
            book.process(event)
        person_rows = book.person_rows()
        rows["person"].extend(person_rows)
        rows["person_distinct_id2"].extend(book.distinct_id_rows())
        rows["person_distinct_id_overrides"].extend(book.override_rows())
        stats.persons_written += len(person_rows)
        stats.merges += len(book.overrides)

    def _looked_up_book(self, team_id: int, events: list[CapturedEvent]) -> PersonBook:
        distinct_ids = {event.distinct_id for event in events}
        merging: set[str] = set()
        for event in events:
            if partner := merge_partner(event):
                merging.update((partner, event.distinct_id))
        return PersonStore(self.backend).book(team_id, distinct_ids | merging, merging)


_writer: EventWriter | None = None
_writer_lock = threading.Lock()


def get_writer() -> EventWriter:
    """The process-wide writer (group commit needs one shared instance)."""
    global _writer
    if _writer is None:
        with _writer_lock:
            if _writer is None:
                _writer = EventWriter()
    return _writer
