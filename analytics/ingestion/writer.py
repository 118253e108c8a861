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
* The same ``(team_id, uuid)`` is stored once: ``event_uuids`` remembers every stored
  uuid (written after its event, so an event is never marked seen without being stored);
  later copies are dropped, within a batch and across batches.

Events with ``properties.$groups = {type: key}`` get ``$group_N`` (N = the type's index in
``group_type_mapping``, assigned 0..4 in order of first appearance per project).
``$groupidentify`` events write their group's merged properties to ``groups``
(``analytics.ingestion.group_properties``).

A call to ``write`` returns once the rows are stored. Concurrent calls are group-committed:
a staging thread takes every pending batch and runs dedup and person processing for them
in memory. With chDB the group's rows then go to the writer's local journal
(``analytics.ingestion.journal``) and its requests are answered; the insert thread writes the journal to
ClickHouse in bulk about ten times a second, and a read hook writes it before any query
reads, so every query sees every answered event. With a ClickHouse server the group goes
to the insert thread, and its requests are answered once it is inserted: while that
thread's statements run (without the GIL) the next groups are staged, and it then takes
every staged group at once, in staging order (waiting a few milliseconds for a group being
staged while there is little), so a statement's fixed cost is shared by all. A failed
insert fails the groups staged on top of it too (their person rows assumed it stored),
and the teams' in-memory state is reloaded from the store.

Person state and the uuid dedup: with a ClickHouse server (several processes may write)
each group reads the persons of its distinct ids and looks its uuids up, once per team,
holding the team's lock in the shared cache (Redis) so that those reads and the inserts
that follow are not interleaved with another process's.
With chDB the writer's process is the only writer (``backend.single_writer``), so it
keeps each team's persons and stored-uuid fingerprints in memory (``team_memory``) and
looks up only uuids the fingerprints say may be stored. A group that needs the store
(lookups, or a team's state to load) is staged only once every earlier group is stored
and the journal is written.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.conf import settings

from analytics.ingestion import override_squash, person_deletion
from analytics.ingestion.event_rows import extract_columns, stamp_person
from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.fingerprints import fingerprints
from analytics.ingestion.group_commit import Job, StagedGroup, StagedGroups, WriteStats, prepared_job
from analytics.ingestion.group_properties import group_rows, identified_groups
from analytics.ingestion.groups import assign_group_columns
from analytics.ingestion.journal import JOURNALED_TABLES, IngestJournal, journal_directory
from analytics.ingestion.person_store import PersonStore, json_list
from analytics.ingestion.persons import PersonBook, merge_partner
from analytics.ingestion.team_memory import WriterMemory
from query_engine.backends import Backend, BackendError, get_backend
from query_engine.backends.read_hooks import reads_without_hooks
from query_engine.refresh import singleflight

logger = logging.getLogger(__name__)

EXISTING_UUIDS_SQL = """
SELECT DISTINCT uuid FROM event_uuids
WHERE team_id = {team_id:Int64} AND uuid IN JSONExtract({uuids:String}, 'Array(UUID)')
"""


# A request's wait for its batch to be written, at most (a safety net: inserts take ms).
WRITE_WAIT_SECONDS = 300.0
# How long a group waits for another process's write of the same team (ClickHouse server only).
WRITE_LOCK_WAIT = 30.0
# Tables in insert order: persons before the events that name them, and a uuid recorded as
# seen only once its event is stored (a retry after a failure is stored, not dropped).
INSERT_ORDER = JOURNALED_TABLES
# How often the insert thread checks whether the journal is due to be written.
JOURNAL_POLL_SECONDS = 0.02

Item = tuple[Job, CapturedEvent, dict[str, Any]]


# Pure-Python ingestion work (decoding, validation, row building, the writer's person
# processing) runs one thread at a time: the GIL serialises it anyway, and with fewer
# threads taking turns for it the staging thread (which everyone waits on) runs without
# 5 ms GIL hand-offs. Measured at batch 1000: the writer's Python time per group fell by
# ~40%.
PYTHON_WORK = threading.Semaphore(1)


class EventWriter:
    """Stores events durably; ``write`` returns the number stored (duplicates excluded)."""

    def __init__(self, backend: Backend | None = None) -> None:
        self._backend = backend
        self._pending: list[Job] = []
        self._pending_lock = threading.Lock()
        self._arrived = threading.Condition(self._pending_lock)
        # Held while staging (and by write_direct, which stages and inserts itself).
        self._stage_lock = threading.Lock()
        self._staged = StagedGroups()
        self._insert_lock = threading.Lock()
        self._epoch = 0
        self._memory = WriterMemory()
        self._threads_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._journal: IngestJournal | None = None
        self._journal_backend: Backend | None = None

    @property
    def backend(self) -> Backend:
        return self._backend or get_backend()

    def write(self, team_id: int, events: list[CapturedEvent]) -> int:
        with PYTHON_WORK:
            job = prepared_job(team_id, events)
        self._start_threads()
        with self._pending_lock:
            self._pending.append(job)
            self._arrived.notify()
        if not job.finished.wait(WRITE_WAIT_SECONDS):
            # Nothing acknowledged: the client retries, and dedup drops a late-stored copy.
            raise BackendError("the event writer did not finish this batch in time")
        if job.error is not None:
            raise job.error
        return job.stored

    def write_direct(self, team_id: int, events: list[CapturedEvent], *, dedup: bool = True) -> WriteStats:
        """Write one batch now, in the caller's thread (bulk loaders use this)."""
        job = prepared_job(team_id, events)
        with self._stage_lock:
            self._staged.join()
            group = self._stage([job], dedup=dedup)
            journal = self._open_journal()
            if journal is None:
                self._insert([group])
            else:
                self._journal_group(journal, group)
            self._flush_quietly(when_due=True)
        if job.error is not None:
            raise job.error
        return group.stats

    def delete_person(self, team_id: int, person_id: str, *, delete_events: bool = False) -> bool:
        """Delete a person (``person_deletion``) in step with ingestion: every acknowledged
        event is stored first, no batch of the team is staged meanwhile, and the team's
        in-memory persons are reloaded afterwards. False when there is no such person."""
        with self._stage_lock:
            self._store_current()
            with ExitStack() as locks:
                if not self.backend.single_writer:
                    try:
                        locks.enter_context(
                            singleflight.held(f"ingest:{team_id}", wait_seconds=WRITE_LOCK_WAIT)
                        )
                    except singleflight.LockTimeout as exc:
                        raise BackendError(f"another process kept team {team_id}'s write lock") from exc
                try:
                    return person_deletion.delete_person(
                        self.backend, team_id, person_id, delete_events=delete_events
                    )
                finally:
                    self._memory.forget([team_id])

    @contextmanager
    def writes_held(self, team_id: int) -> Iterator[None]:
        """Every acknowledged row of the team is stored and no other is written meanwhile
        (``override_squash`` reads and rewrites the team's rows in this block)."""
        journal = self._open_journal()
        if journal is not None:
            # The single writer: its journal holds every unstored row; appends go on.
            with journal.flushed_and_held(self.backend):
                yield
            return
        with self._stage_lock:
            self._store_current()
            try:
                with singleflight.held(f"ingest:{team_id}", wait_seconds=WRITE_LOCK_WAIT):
                    yield
            except singleflight.LockTimeout as exc:
                raise BackendError(f"another process kept team {team_id}'s write lock") from exc

    def forget(self) -> None:
        """Write what is journaled, then drop in-memory team state; call before and after
        the store is changed behind the writer's back."""
        with self._stage_lock:
            self._store_current()
            self._memory.forget()

    def flush(self) -> None:
        """Write every staged group and journaled row to the store now."""
        with self._stage_lock:
            self._store_current()

    def flush_for_read(self, backend: Backend) -> None:
        """Before ``backend`` is read: every acknowledged row is written to it."""
        if backend.single_writer and backend is self.backend:
            journal = self._open_journal()  # the first read after a start writes what is left
            if journal is not None and journal.pending_rows:
                journal.flush(backend)

    def _store_current(self) -> None:
        """Everything staged so far is inserted and the journal written (before reads)."""
        self._staged.join()
        journal = self._open_journal()  # opening it picks up what a stopped process left
        if journal is not None:
            journal.flush(self.backend)

    def _open_journal(self) -> IngestJournal | None:
        """The journal of the backend's data directory (single writer only), opened with the
        backend: a backend opened again (another process may have used the directory
        meanwhile) reads the journal's files again."""
        backend = self.backend
        if not backend.single_writer:
            return None
        if self._journal_backend is not backend and (directory := journal_directory(backend)) is not None:
            with self._threads_lock:
                if self._journal_backend is not backend:
                    if self._journal is not None:
                        self._journal.close()
                    else:
                        # A clean exit leaves complete tables (a crash leaves the journal).
                        atexit.register(self._flush_quietly)
                    self._journal = IngestJournal(directory, fsync=settings.INGEST_JOURNAL_FSYNC)
                    self._journal_backend = backend
        return self._journal

    def _flush_quietly(self, *, when_due: bool = False) -> None:
        """Write the journal (only if due: ``when_due``); a failure is logged, not raised."""
        journal = self._journal
        if journal is None or (when_due and not journal.due()):
            return
        try:
            journal.flush(self.backend)
        except Exception:  # kept journaled; the next flush, a read or the next start retries
            logger.exception("ingestion: writing journaled rows failed")

    def _journal_group(self, journal: IngestJournal, group: StagedGroup) -> None:
        """Journal a staged group's rows, then answer its requests."""
        error: BaseException | None = None
        try:
            journal.append(group.rows)
        except BaseException as exc:
            # Staging advanced the teams' state for rows that were not journaled.
            self._memory.forget(group.teams)
            error = _as_backend_error(exc)
        finally:
            group.locks.close()
        self._finish(group.jobs, error)

    # --- threads -------------------------------------------------------------------

    def _start_threads(self) -> None:
        """Started on first use, in the process that writes (after a server forks its workers)."""
        if self._threads:
            return
        with self._threads_lock:
            if not self._threads:
                loops = {"ingest-stage": self._stage_loop, "ingest-insert": self._insert_loop}
                if self.backend.single_writer and settings.PERSON_OVERRIDES_SQUASH_SECONDS > 0:
                    # With a ClickHouse server the beat schedule runs it (a worker, not every web process).
                    loops["override-squash"] = self._squash_loop
                for name, target in loops.items():
                    thread = threading.Thread(target=target, name=name, daemon=True)
                    thread.start()
                    self._threads.append(thread)

    def _stage_loop(self) -> None:
        while True:
            with self._pending_lock:
                while not self._pending:
                    self._arrived.wait()
                jobs, self._pending = self._pending, []
                self._staged.staging()
            try:
                with self._stage_lock:
                    group = self._stage(jobs, dedup=True)
                    journal = self._open_journal()
                    if journal is None:
                        # Queued under the stage lock: nothing is staged after it but inserted before.
                        self._staged.put(group)
                    else:
                        self._journal_group(journal, group)
                        self._staged.put(None)
            except BaseException as exc:  # the loop must outlive any error, or writes would hang
                logger.exception("ingestion: staging failed")
                self._finish(jobs, _as_backend_error(exc))
                self._staged.put(None)

    def _squash_loop(self) -> None:
        while True:
            time.sleep(settings.PERSON_OVERRIDES_SQUASH_SECONDS)
            try:
                override_squash.squash_all(self)
            except Exception:  # queries stay right with overrides unsquashed; the next run retries
                logger.exception("ingestion: squashing person overrides failed")

    def _insert_loop(self) -> None:
        while True:
            groups = self._staged.take_all(timeout=JOURNAL_POLL_SECONDS)
            if groups:
                try:
                    self._insert(groups)
                except BaseException as exc:  # e.g. releasing a lock in Redis, after the inserts
                    logger.exception("ingestion: insert failed")
                    jobs = [job for group in groups for job in group.jobs]
                    self._finish([job for job in jobs if not job.finished.is_set()], _as_backend_error(exc))
                finally:
                    self._staged.inserted()
            self._flush_quietly(when_due=True)

    # --- staging: dedup, groups and persons, in memory ----------------------------------

    def _stage(self, jobs: list[Job], *, dedup: bool) -> StagedGroup:
        """The group's rows (caller holds the stage lock)."""
        by_team: dict[int, list[Item]] = defaultdict(list)
        for job in jobs:
            by_team[job.team_id].extend(zip([job] * len(job.events), job.events, job.rows, strict=True))
        backend = self.backend
        if not all(backend.single_writer and self._memory.ready(team_id) for team_id in by_team):
            # Lookups or a state load read the store: every earlier group must be in it.
            self._store_current()
        epoch = self._epoch  # before any state is read: a failure from here on concerns us
        locks = ExitStack()
        stats = WriteStats()
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        try:
            if not backend.single_writer:
                # Several processes write to a ClickHouse server: dedup, persons and new group
                # types read then write, so one process at a time per team (sorted: no deadlock).
                for team_id in sorted(by_team):
                    try:
                        locks.enter_context(
                            singleflight.held(f"ingest:{team_id}", wait_seconds=WRITE_LOCK_WAIT)
                        )
                    except singleflight.LockTimeout as exc:
                        raise BackendError(f"another process kept team {team_id}'s write lock") from exc
            # Every waiting request depends on this Python work: request threads pause theirs
            # meanwhile instead of taking turns with it for the GIL. Reads here need no
            # journal write first: those that do call _store_current themselves.
            with PYTHON_WORK, reads_without_hooks():
                for team_id, items in by_team.items():
                    self._stage_team(team_id, items, rows, stats, dedup=dedup)
        except BaseException:
            # In-memory state may now be ahead of the store: reload it on the next batch.
            self._memory.forget(list(by_team))
            locks.close()
            raise
        stats.stored = len(rows["events"])
        return StagedGroup(jobs=jobs, teams=list(by_team), rows=rows, stats=stats, epoch=epoch, locks=locks)

    def _stage_team(
        self,
        team_id: int,
        items: list[Item],
        rows: dict[str, list[dict[str, Any]]],
        stats: WriteStats,
        *,
        dedup: bool,
    ) -> None:
        """Dedup, groups and persons for one team's events; their rows go into ``rows``.

        With in-memory state (single writer) the state is advanced as if the rows were
        stored already, so the next group can be staged at once; if they are not journaled
        after all, the team's state is forgotten.
        """
        backend = self.backend
        memory = self._memory.team(backend, team_id) if backend.single_writer else None
        uuids = list({event.uuid: None for _, event, _ in items})
        prints = fingerprints(uuids) if memory is not None else None
        if dedup:
            candidates = (
                memory.maybe_seen(uuids, prints) if memory is not None and prints is not None else uuids
            )
            fresh = self._drop_duplicates(team_id, items, candidates)
        else:
            fresh = items
        stats.duplicates += len(items) - len(fresh)
        events = [event for _, event, _ in fresh]
        with_groups, group_types = assign_group_columns(backend, team_id, events, [row for *_, row in fresh])
        for event, row in with_groups:
            extract_columns(row, event.properties)
        if identified := identified_groups(events, group_types):
            self._store_current()  # merging $group_set reads the stored groups
            rows["groups"].extend(group_rows(backend, team_id, identified))
        self._process_persons(team_id, events, rows, stats, memory.book if memory is not None else None)
        for job, event, row in fresh:
            job.stored += 1
            rows["events"].append(stamp_person(row, event))
            rows["event_uuids"].append({"team_id": team_id, "uuid": event.uuid})
        if memory is not None and prints is not None:
            memory.committed(prints)

    def _drop_duplicates(self, team_id: int, items: list[Item], candidates: list[str]) -> list[Item]:
        """Drop events whose uuid is stored (among ``candidates``) or repeats in the batch."""
        seen: set[str] = set()
        if candidates:
            self._store_current()  # single writer: a fingerprint hit; the store decides
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

    # --- inserting -----------------------------------------------------------------------

    def _insert(self, groups: list[StagedGroup]) -> None:
        """Insert staged groups together (one statement per table), then tell their jobs."""
        with self._insert_lock, ExitStack() as locks:
            for group in groups:
                locks.enter_context(group.locks)
            # Groups staged before a failure that they did not see are built on state that
            # was never stored: they fail too.
            stale = [group for group in groups if group.epoch != self._epoch]
            current = [group for group in groups if group.epoch == self._epoch]
            error: BaseException | None = None
            try:
                for table in INSERT_ORDER:
                    rows = [row for group in current for row in group.rows[table]]
                    if rows:
                        self.backend.insert_json_rows(table, rows)
            except BaseException as exc:
                error = exc
                # Memory is now ahead of the store for these teams, and groups staged since
                # may build on it: every team is reloaded (after the queue drains), and the
                # groups staged before now fail (epoch). Those failing as stale leave the
                # epoch alone, or each would fail the next group staged meanwhile, forever.
                self._epoch += 1
                self._memory.forget()
        for group in current:
            self._finish(group.jobs, error)
        for group in stale:
            self._finish(
                group.jobs, BackendError("an earlier write failed; nothing of this batch was stored")
            )

    @staticmethod
    def _finish(jobs: list[Job], error: BaseException | None) -> None:
        for job in jobs:
            if error is not None:
                job.error, job.stored = error, 0
            job.finished.set()


def _as_backend_error(exc: BaseException) -> BackendError:
    """What a request sees (503, nothing acknowledged: the client retries; dedup drops copies)."""
    if isinstance(exc, BackendError):
        return exc
    error = BackendError(f"event store write failed: {exc}")
    error.__cause__ = exc
    return error


_writer: EventWriter | None = None
_writer_lock = threading.Lock()


def flush_before_read(backend: Backend) -> None:
    """Read hook (registered by the app): queries see every acknowledged event."""
    get_writer().flush_for_read(backend)


def get_writer() -> EventWriter:
    """The process-wide writer (group commit needs one shared instance)."""
    global _writer
    if _writer is None:
        with _writer_lock:
            if _writer is None:
                _writer = EventWriter()
    return _writer
