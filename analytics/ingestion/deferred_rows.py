"""Rows of the writer's own tables, journaled locally and written to ClickHouse in bulk.

Only ingestion reads ``person``, ``person_distinct_id2`` and ``event_uuids`` (queries read
``events`` and ``person_distinct_id_overrides``). With a single writer process (chDB) that
writer holds their current state in memory, so their rows need not reach ClickHouse with
every insert: they are appended to a journal file per table, and written to ClickHouse
about once a second, all at once. Every ClickHouse insert makes a part with a fixed cost of
a few milliseconds and later merges, so at 100-event batches this takes three of the four
parts off each request's critical path.

Durability is the events': ClickHouse writes parts without fsync by default, and the
journal is written (also without fsync) before the events that need it are inserted, so a
process that stops between two flushes leaves its rows in the journal. The next writer on
the same data directory writes them first (``pending`` is loaded from the files), and
anything that reads these tables flushes before it reads. Writing a row twice is harmless:
the tables are ReplacingMergeTrees keyed by what the rows describe.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from query_engine.backends import Backend, BackendError
from query_engine.backends.base import encode_json_lines

logger = logging.getLogger(__name__)

# Persons before the distinct ids that name them, like the synchronous inserts.
DEFERRED_TABLES = ("person", "person_distinct_id2", "event_uuids")
# Write the journal to ClickHouse at least this often while rows are pending.
FLUSH_SECONDS = 1.0
# Past this many pending rows a flush is due at once; past MAX_PENDING_ROWS (flushes keep
# failing) appends are refused, so memory and the journal stay bounded.
FLUSH_ROWS = 100_000
MAX_PENDING_ROWS = 2_000_000


class DeferredRows:
    """The journal of one data directory; thread-safe."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._pending: dict[str, list[bytes]] = {table: [] for table in DEFERRED_TABLES}
        self._rows = 0
        self._oldest: float | None = None
        self._files: dict[str, BinaryIO] = {}
        for table in DEFERRED_TABLES:
            path = directory / f"{table}.jsonl"
            self._recover(table, path)
            # Kept open for appends for the life of the process.
            self._files[table] = open(path, "ab")  # noqa: SIM115

    @property
    def pending_rows(self) -> int:
        return self._rows

    def append(self, rows: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        """Journal rows per table; they reach ClickHouse with the next flush."""
        encoded = {table: encode_json_lines(table_rows) for table, table_rows in rows.items()}
        with self._lock:
            if self._rows > MAX_PENDING_ROWS:
                raise BackendError(f"{self._rows} journaled rows could not be written to the event store")
            for table, (payload, count) in encoded.items():
                if count:
                    file = self._files[table]
                    file.write(payload)
                    file.flush()  # in the OS's hands before the events that need it are inserted
                    self._pending[table].append(payload)
                    self._rows += count
                    if self._oldest is None:
                        self._oldest = time.monotonic()

    def due(self) -> bool:
        oldest = self._oldest
        return oldest is not None and (self._rows >= FLUSH_ROWS or time.monotonic() - oldest >= FLUSH_SECONDS)

    def flush(self, backend: Backend) -> int:
        """Write every journaled row to ClickHouse, then empty the journal; returns the rows.

        A failure keeps everything journaled (the next flush writes it again) and raises.
        """
        with self._lock:
            if not self._rows:
                return 0
            for table in DEFERRED_TABLES:
                if self._pending[table]:
                    backend.insert_json_payload(table, b"".join(self._pending[table]))
            for table, file in self._files.items():
                file.truncate(0)
                self._pending[table] = []
            written, self._rows, self._oldest = self._rows, 0, None
            return written

    def close(self) -> None:
        """Stop journaling; unflushed rows stay in the files for the next writer."""
        with self._lock:
            for file in self._files.values():
                file.close()
            self._pending = {table: [] for table in DEFERRED_TABLES}
            self._rows, self._oldest = 0, None

    def _recover(self, table: str, path: Path) -> None:
        """Rows a stopped process journaled but did not flush become pending again."""
        if not path.exists():
            return
        content = path.read_bytes()
        # A write cut short by a crash leaves a partial last line: it was never acknowledged.
        complete = content[: content.rfind(b"\n") + 1]
        if len(complete) != len(content):
            os.truncate(path, len(complete))
        if complete:
            self._pending[table].append(complete)
            self._rows += complete.count(b"\n")
            self._oldest = self._oldest or time.monotonic()
            logger.info("ingestion: %s journaled %s rows to write", table, complete.count(b"\n"))


def journal_directory(backend: Backend) -> Path | None:
    """Where a single-writer backend's journal lives (next to its data), else None."""
    path = getattr(backend, "path", None)
    if not backend.single_writer or path is None:
        return None
    data = Path(path)
    return data.with_name(f"{data.name}-ingest-journal")
