"""Ingestion's rows, journaled locally and written to ClickHouse in bulk (single writer).

With chDB the server is the only process that can read or write the event store. So a
batch is acknowledged once its rows (events and the person tables) are in a local journal,
one file per table, and the journal is written to ClickHouse about ten times a second, and
before anything reads the store (``query_engine.backends.read_hooks``): every query still
sees every acknowledged event. Each ClickHouse insert makes a part, with a fixed cost of a
few milliseconds and background merges later; written in bulk, 100-event batches share
them instead of paying them per request.

Durability is ClickHouse's: neither it (by default) nor the journal calls fsync, and rows
are in the journal's file before the batch is acknowledged (``INGEST_JOURNAL_FSYNC=1``
also syncs them to disk first, for an OS crash). A process that stops leaves
the journal; the next one on the same data directory writes it before its first read.

Writing: the files being written are first renamed to ``*.flushing.jsonl`` (appends go on
in fresh files), then read back and written table by table in ``JOURNALED_TABLES`` order,
each file deleted once its rows are in ClickHouse; the rows live on disk only, so memory
does not grow while ClickHouse is unavailable. Written again after a failure or a stop,
person rows change nothing (versions decide) and events already stored are dropped first
(looked up by uuid), so nothing is doubled. After
any other failure the rows stay and are written later (readers get the error meanwhile).
A row ClickHouse refuses as data (a parse error: retrying cannot help) is isolated by
halving its insert and moved to ``refused/`` with the error logged, so one bad row cannot
block every later write and read.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from analytics.ingestion.person_store import json_list
from query_engine.backends import Backend, BackendError
from query_engine.backends.base import encode_json_lines
from query_engine.backends.read_hooks import reads_without_hooks

logger = logging.getLogger(__name__)

# Persons before the events that name them; a uuid recorded as seen after its event.
JOURNALED_TABLES = (
    "person",
    "person_distinct_id2",
    "person_distinct_id_overrides",
    "groups",
    "events",
    "event_uuids",
)
# Write the journal to ClickHouse once its oldest row is this old, or once it holds
# FLUSH_ROWS rows; past MAX_PENDING_ROWS (writes keep failing) appends are refused.
FLUSH_SECONDS = 0.1
FLUSH_ROWS = 50_000
MAX_PENDING_ROWS = 2_000_000
# A table's rows go to ClickHouse in inserts of at most this many bytes.
CHUNK_BYTES = 64 << 20
# After a failed write, wait before the next timed one (a reader's write does not wait).
RETRY_SECONDS = 1.0
# ClickHouse errors about the data itself (parsing, types, sizes): the row is refused.
DATA_ERROR_CODES = {6, 26, 27, 32, 38, 41, 53, 69, 70, 72, 117, 131, 306, 376}

STORED_UUIDS_SQL = """
SELECT DISTINCT toString(uuid) FROM events
WHERE team_id = {team_id:Int64} AND uuid IN JSONExtract({uuids:String}, 'Array(UUID)')
"""


class _UuidRow(msgspec.Struct):
    team_id: int
    uuid: str


_decode_uuid_row = msgspec.json.Decoder(_UuidRow).decode


class IngestJournal:
    """The journal of one data directory; thread-safe."""

    def __init__(self, directory: Path, *, fsync: bool = False) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._directory = directory
        self._fsync = fsync
        self._lock = threading.Lock()  # appends, and the switch to a new segment
        self._flush_lock = threading.Lock()  # one write to ClickHouse at a time
        self._rows = 0
        self._oldest: float | None = None
        # The segment being written (the renamed files), its rows, and whether part of it
        # may be stored already (a failed or interrupted write).
        self._segment = False
        self._segment_rows = 0
        self._segment_suspect = False
        self._retry_at = 0.0
        self._recover()
        self._files: dict[str, BinaryIO] = {table: self._open(table) for table in JOURNALED_TABLES}

    @property
    def pending_rows(self) -> int:
        """Rows journaled but not written to ClickHouse yet."""
        return self._rows + self._segment_rows

    def append(self, rows: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        """Journal rows per table, all or none; when this returns they survive the process."""
        encoded = {table: encode_json_lines(rows[table]) for table in JOURNALED_TABLES if table in rows}
        with self._lock:
            if self.pending_rows > MAX_PENDING_ROWS:
                raise BackendError(f"{self.pending_rows} journaled rows not yet in the event store")
            ends = {table: self._files[table].tell() for table, (_, count) in encoded.items() if count}
            try:
                for table in ends:
                    file = self._files[table]
                    file.write(encoded[table][0])
                    file.flush()  # in the OS's hands before the batch is acknowledged
                    if self._fsync:
                        os.fsync(file.fileno())
            except BaseException:
                # A failed write (a full disk) is cut off in every file: the batch is refused
                # whole, and the next append starts on a line of its own.
                for table, end in ends.items():
                    self._files[table].seek(end)
                    self._files[table].truncate(end)
                raise
            for table in ends:
                self._rows += encoded[table][1]
            if ends and self._oldest is None:
                self._oldest = time.monotonic()

    def due(self) -> bool:
        """Time for a timed write: old or many rows, and no recent failure."""
        now = time.monotonic()
        if now < self._retry_at:
            return False
        if self._segment:
            return True
        oldest = self._oldest
        return oldest is not None and (self._rows >= FLUSH_ROWS or now - oldest >= FLUSH_SECONDS)

    def flush(self, backend: Backend) -> int:
        """Write every row journaled so far to ClickHouse; returns the rows written.

        A failure keeps the rows journaled (the next flush writes them) and raises.
        """
        with self._flush_lock, reads_without_hooks():
            return self._flush_held(backend)

    @contextmanager
    def flushed_and_held(self, backend: Backend) -> Iterator[None]:
        """Write every row journaled so far, then keep any other write out for the block:
        what the block reads of ClickHouse stays whole groups (appends go on, unwritten)."""
        with self._flush_lock, reads_without_hooks():
            self._flush_held(backend)
            yield

    def _flush_held(self, backend: Backend) -> int:
        written = 0
        # A segment left by a failure, then what is pending now: every row journaled
        # before this call (rows appended meanwhile go with the next flush).
        for _ in range(2):
            if not self._segment and not self._next_segment():
                break
            rows = self._segment_rows
            try:
                self._write_segment(backend)
            except BaseException:
                self._segment_suspect = True
                self._retry_at = time.monotonic() + RETRY_SECONDS
                raise
            written += rows
        return written

    def close(self) -> None:
        """Stop journaling; unwritten rows stay in the files for the next writer."""
        with self._lock:
            for file in self._files.values():
                file.close()
            self._rows, self._oldest = 0, None
            self._segment, self._segment_rows = False, 0

    # --- segments ---------------------------------------------------------------------

    def _next_segment(self) -> bool:
        """Make the pending rows the segment to write; appends go on in fresh files."""
        with self._lock:
            if not self._rows:
                return False
            renamed = []
            try:
                for table in JOURNALED_TABLES:
                    self._files[table].close()
                    os.replace(self._path(table), self._path(table, flushing=True))
                    renamed.append(table)
            except BaseException:
                for table in renamed:  # back as it was: the rows stay pending
                    os.replace(self._path(table, flushing=True), self._path(table))
                raise
            finally:
                for table in JOURNALED_TABLES:
                    if self._files[table].closed:
                        self._files[table] = self._open(table)
            self._segment, self._segment_rows, self._segment_suspect = True, self._rows, False
            self._rows, self._oldest = 0, None
            return True

    def _write_segment(self, backend: Backend) -> None:
        for table in JOURNALED_TABLES:
            path = self._path(table, flushing=True)
            payload = _complete_lines(path)
            if table == "events" and self._segment_suspect:
                payload = _without_stored_events(backend, payload)
            for chunk in _chunks(payload, CHUNK_BYTES):
                self._insert_isolating(backend, table, chunk)
            path.unlink(missing_ok=True)  # written: a retry, or the next process, skips it
        self._segment, self._segment_rows = False, 0

    def _insert_isolating(self, backend: Backend, table: str, payload: bytes) -> None:
        """Insert; rows refused as data are found by halving and set aside, the rest stored."""
        try:
            backend.insert_json_payload(table, payload)
            return
        except BackendError as exc:
            if exc.code not in DATA_ERROR_CODES:
                raise
            lines = payload.splitlines(keepends=True)
            if len(lines) == 1:
                self._refuse(table, payload, exc)
                return
        middle = len(lines) // 2
        self._insert_isolating(backend, table, b"".join(lines[:middle]))
        self._insert_isolating(backend, table, b"".join(lines[middle:]))

    def _refuse(self, table: str, line: bytes, exc: BackendError) -> None:
        """Keep a refused row for an operator, out of the way of every later write."""
        refused = self._directory / "refused"
        refused.mkdir(exist_ok=True)
        with open(refused / f"{table}.jsonl", "ab") as file:
            file.write(line)
        logger.error("ingestion: ClickHouse refused a %s row, kept in %s: %s", table, refused, exc)

    # --- files ------------------------------------------------------------------------

    def _path(self, table: str, *, flushing: bool = False) -> Path:
        return self._directory / (f"{table}.flushing.jsonl" if flushing else f"{table}.jsonl")

    def _open(self, table: str) -> BinaryIO:
        return open(self._path(table), "ab")  # noqa: SIM115  (kept open for appends)

    def _recover(self) -> None:
        """What a stopped process journaled but did not write: one suspect segment."""
        rows = 0
        for table in JOURNALED_TABLES:
            flushing, fresh = self._path(table, flushing=True), self._path(table)
            content = _complete_lines(flushing) + _complete_lines(fresh)
            if content:
                # Into the .flushing file first (atomically), so a stop now loses nothing.
                staging = flushing.with_suffix(".tmp")
                staging.write_bytes(content)
                os.replace(staging, flushing)
                rows += content.count(b"\n")
            fresh.unlink(missing_ok=True)
        if rows:
            self._segment, self._segment_rows, self._segment_suspect = True, rows, True
            logger.warning("ingestion: %s journaled rows left by a stopped process will be written", rows)


def _complete_lines(path: Path) -> bytes:
    """A file's whole lines: a write cut short by a crash was never acknowledged."""
    if not path.exists():
        return b""
    content = path.read_bytes()
    return content[: content.rfind(b"\n") + 1]


def _chunks(payload: bytes, size: int) -> Iterator[bytes]:
    """Whole lines, at most ``size`` bytes a piece (one line may be longer)."""
    start = 0
    while start < len(payload):
        end = payload.rfind(b"\n", start, start + size) + 1 if len(payload) - start > size else len(payload)
        if end <= start:  # a line longer than size
            end = payload.index(b"\n", start) + 1
        yield payload[start:end]
        start = end


def _without_stored_events(backend: Backend, payload: bytes) -> bytes:
    """The event lines whose uuid is not stored yet, each once (a write may have been partly
    done, and a stop while recovering may repeat lines)."""
    lines = payload.splitlines(keepends=True)
    by_team: dict[int, list[str]] = defaultdict(list)
    keys = []
    for line in lines:
        row = _decode_uuid_row(line)
        by_team[row.team_id].append(row.uuid)
        keys.append((row.team_id, row.uuid))
    seen: set[tuple[int, str]] = set()
    for team_id, uuids in by_team.items():
        result = backend.execute(STORED_UUIDS_SQL, {"team_id": team_id, "uuids": json_list(uuids)})
        seen.update((team_id, row[0]) for row in result.rows)
    kept = []
    for line, key in zip(lines, keys, strict=True):
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return b"".join(kept)


def journal_directory(backend: Backend) -> Path | None:
    """Where a single-writer backend's journal lives (next to its data), else None."""
    path = getattr(backend, "path", None)
    if not backend.single_writer or path is None:
        return None
    data = Path(path)
    return data.with_name(f"{data.name}-ingest-journal")
