"""Embedded ClickHouse through chDB.

chDB allows one process per data directory, but that process may open several sessions on
it, and statements on different sessions run side by side (each releases the GIL). So the
backend keeps a pool of up to ``connections`` sessions and a statement borrows one: a short
trend does not wait behind a heavy funnel (bench/RESULTS.md, "Embedded queries side by
side"). A session runs one statement at a time (its progress callback and its leftover
output after a failure are per session). Writes stay single: only ingestion's writer inserts,
one journal write at a time (``analytics.ingestion.journal``).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from query_engine.backends.base import (
    BackendError,
    Progress,
    ProgressCallback,
    QueryResult,
    classify_error,
    encode_json_rows,
    finish_result,
    merged_settings,
    settings_clause,
)
from query_engine.backends.binding import text_params
from query_engine.backends.execution_context import current as current_execution
from query_engine.backends.read_hooks import before_read


def _live_progress(on_progress: ProgressCallback):
    """chDB's per-block progress (cumulative counters) as the seam's Progress."""

    def report(values: dict[str, Any]) -> None:
        on_progress(
            Progress(
                rows_read=int(values.get("read_rows", 0)),
                bytes_read=int(values.get("read_bytes", 0)),
                total_rows_to_read=int(values.get("total_rows_to_read", 0)),
                elapsed_seconds=int(values.get("elapsed_ns", 0)) / 1e9,
            )
        )

    return report


def data_dir_locked(path: str) -> bool:
    """Does a process hold chDB's data directory (ClickHouse flocks ``<path>/status``)?

    Only a probe: the lock is released at once. A directory never opened is not locked.
    """
    status = Path(path) / "status"
    try:
        fd = os.open(status, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class ChdbBackend:
    name = "chdb"
    single_writer = True  # chDB locks its data directory to one process

    def __init__(self, path: str, database: str, connections: int = 1) -> None:
        try:
            from chdb import session
        except ImportError:
            raise BackendError(
                "chDB is not installed: install the project with its embedded extra "
                "(pip install '.[embedded]'), or set CLICKHOUSE_URL to use a ClickHouse server."
            ) from None

        Path(path).mkdir(parents=True, exist_ok=True)
        self.path = path
        self.database = database
        self._new_session = session.Session
        self._connections = max(1, connections)
        self._idle: list[Any] = []
        self._opened: list[Any] = []
        self._available = threading.Condition()
        first = self._open_session()
        first.query(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        first.query(f"USE `{database}`")
        self._idle.append(first)

    def _open_session(self) -> Any:
        opened = self._new_session(self.path)
        self._opened.append(opened)
        return opened

    @contextmanager
    def _session(self) -> Iterator[Any]:
        """Borrow a session: an idle one, a new one while fewer than ``connections`` are open,
        else wait for one to come back."""
        with self._available:
            while not self._idle and len(self._opened) >= self._connections:
                self._available.wait()
            if self._idle:
                borrowed = self._idle.pop()
            else:
                borrowed = self._open_session()
                borrowed.query(f"USE `{self.database}`")
        try:
            yield borrowed
        finally:
            with self._available:
                self._idle.append(borrowed)
                self._available.notify()

    def execute(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> QueryResult:
        before_read(self)
        statement = sql.rstrip().rstrip(";") + settings_clause(merged_settings(settings))
        on_progress = on_progress or current_execution().on_progress
        started = time.monotonic()
        with self._session() as borrowed:
            # chDB versions with per-block progress take a callback on the connection; older
            # ones report only the final statistics below.
            live = getattr(getattr(borrowed, "_conn", None), "set_progress_callback", None)
            if live is not None:
                live(_live_progress(on_progress) if on_progress else None)
            try:
                raw = self._run(borrowed, statement, "JSONCompact", params)
            finally:
                if live is not None and on_progress:
                    live(None)
        return finish_result(raw.bytes(), started=started, on_progress=on_progress)

    @staticmethod
    def _drain(borrowed: Any) -> None:
        """chDB prepends a failed query's partial output to the session's next result; flush it."""
        try:
            borrowed.query("SELECT 1", "JSONCompact")
        except Exception:  # the session is unusable either way; the next query reports it
            return

    def _run(self, borrowed: Any, statement: str, fmt: str, params: Mapping[str, Any] | None) -> Any:
        """One statement on a borrowed session; a failure is drained and classified like any other."""
        try:
            return borrowed.query(statement, fmt, params=text_params(params))
        except Exception as exc:  # chDB raises its own error types
            self._drain(borrowed)
            raise classify_error(str(exc)) from exc

    def _query(self, statement: str, fmt: str, params: Mapping[str, Any] | None = None) -> Any:
        with self._session() as borrowed:
            return self._run(borrowed, statement, fmt, params)

    def fetch_row_binary(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        before_read(self)
        return self._query(sql, "RowBinary", params).bytes()

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._query(sql, "TabSeparated", params)

    def insert_json_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        payload, count = encode_json_rows(rows)
        if count:
            self.insert_json_payload(table, payload)
        return count

    def insert_json_payload(self, table: str, payload: bytes) -> None:
        # The rows travel as a JSONEachRow payload after FORMAT, never as SQL.
        self._query(
            f"INSERT INTO `{self.database}`.`{table}` FORMAT JSONEachRow\n" + payload.decode(), "TabSeparated"
        )

    def cancel(self, query_id: str) -> bool:
        return False

    def ping(self) -> bool:
        try:
            return self.execute("SELECT 1 AS ok").rows == [[1]]
        except BackendError:
            return False

    def close(self) -> None:
        """Close every session (waits for those in use to come back)."""
        with self._available:
            while len(self._idle) < len(self._opened):
                self._available.wait()
            for opened in self._opened:
                opened.close()
            self._idle.clear()
            self._opened.clear()
