"""Embedded ClickHouse through chDB.

chDB allows one process per data directory, and its session is not safe to
use from several threads at once, so statements are serialised by a lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterable, Mapping
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

    def __init__(self, path: str, database: str) -> None:
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
        self._lock = threading.RLock()
        self._session = session.Session(path)
        self._session.query(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        self._session.query(f"USE `{database}`")

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
        # chDB versions with per-block progress take a callback on the connection; older ones
        # report only the final statistics below.
        live = getattr(getattr(self._session, "_conn", None), "set_progress_callback", None)
        started = time.monotonic()
        with self._lock:
            if live is not None:
                live(_live_progress(on_progress) if on_progress else None)
            try:
                raw = self._query(statement, "JSONCompact", params)
            finally:
                if live is not None and on_progress:
                    live(None)
        return finish_result(raw.bytes(), started=started, on_progress=on_progress)

    def _drain(self) -> None:
        """chDB prepends a failed query's partial output to the next result; flush it."""
        try:
            self._session.query("SELECT 1", "JSONCompact")
        except Exception:  # the session is unusable either way; the next query reports it
            return

    def _query(self, statement: str, fmt: str, params: Mapping[str, Any] | None = None) -> Any:
        """One statement under the lock; a failure is drained and classified like any other."""
        with self._lock:
            try:
                return self._session.query(statement, fmt, params=text_params(params))
            except Exception as exc:  # chDB raises its own error types
                self._drain()
                raise classify_error(str(exc)) from exc

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
        with self._lock:
            self._session.close()
