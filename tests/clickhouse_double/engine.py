"""The double's execution side: one chDB connection shared by every HTTP request.

chDB runs one statement at a time, so statements take a lock; database, settings
and sessions are re-applied per request so each request sees what a ClickHouse
server would give it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from tests.clickhouse_double import statements
from tests.clickhouse_double.errors import DoubleError, from_chdb

ROW_STATEMENTS = {"SELECT", "WITH", "("}
# Block-wise formats run streamed, so a KILL stops them between blocks. chDB streams only
# SELECTs, and writes a whole document per block in the other formats (JSON, ...WithNames).
STREAMED_FORMATS = {"Native", "RowBinary", "TabSeparated", "TSV", "CSV", "JSONEachRow", "JSONCompactEachRow"}
# Other statements with a result set (the X-ClickHouse-Format header says so).
RESULT_COMMANDS = {"SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN", "CHECK"}
CANCEL_POLL_SECONDS = 0.05
QUERY_LOG_SIZE = 5000


@dataclass
class Request:
    """One HTTP request, as the server parsed it."""

    statement: str
    data: bytes | None = None  # an INSERT's rows after ``FORMAT``
    params: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    database: str | None = None
    default_format: str | None = None
    query_id: str = ""
    session_id: str | None = None
    # With cancel_http_readonly_queries_on_client_close=1: has the client hung up?
    client_gone: Callable[[], bool] | None = None


@dataclass
class Outcome:
    body: bytes
    fmt: str | None
    summary: dict[str, int]


@dataclass
class Running:
    query_id: str
    statement: str
    cancelled: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Fault:
    """Test control: statements whose text or bound values contain ``match`` wait ``delay``
    seconds first (cancellable), ``times`` times (None: always)."""

    match: str
    delay: float
    times: int | None = None


@dataclass
class SessionState:
    settings: dict[str, str] = field(default_factory=dict)
    busy: bool = False


class Engine:
    def __init__(self, path: str) -> None:
        import chdb

        self._conn = chdb.connect(path)
        self._lock = threading.Lock()  # chDB: one statement at a time
        self._state = threading.Lock()  # the registries below
        self._applied: dict[str, str] = {}
        self._database = "default"
        self._running: dict[str, Running] = {}
        self._sessions: dict[str, SessionState] = {}
        self._faults: list[Fault] = []
        self.log: deque[dict[str, Any]] = deque(maxlen=QUERY_LOG_SIZE)
        self._progress: dict[str, int] = {}
        self._conn.set_progress_callback(self._on_progress)
        self.version = self._scalar("SELECT version()")
        self.timezone = self._scalar("SELECT timezone()")

    def _scalar(self, sql: str) -> str:
        with self._lock:
            return self._conn.query(sql, "TabSeparated").bytes().decode().strip()

    def _on_progress(self, values: dict[str, Any]) -> None:
        self._progress = {key: int(value) for key, value in values.items()}

    # -- test control ---------------------------------------------------------------

    def set_faults(self, faults: list[Fault]) -> None:
        with self._state:
            self._faults = list(faults)

    def _fault_delay(self, statement: str) -> float:
        with self._state:
            for fault in self._faults:
                if fault.match in statement and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault.delay
        return 0.0

    def running(self) -> list[str]:
        with self._state:
            return list(self._running)

    # -- requests -------------------------------------------------------------------

    def run(self, request: Request) -> Outcome:
        keyword = statements.first_keyword(request.statement)
        if keyword == "KILL":
            return self._kill(request)
        if keyword == "SET" and request.data is None:
            return self._set(request)
        session = self._enter_session(request.session_id)
        running = self._register(request)
        self.log.append(
            {
                "query_id": request.query_id,
                "database": request.database or "default",
                "query": request.statement[:4000],
                "params": {name: value[:200] for name, value in request.params.items()},
            }
        )
        try:
            self._wait_fault(
                running, " ".join([request.statement, *request.params.values()]), request.client_gone
            )
            with self._lock:
                if running.cancelled.is_set():
                    raise DoubleError.cancelled()
                self._use(request.database)
                self._apply_settings({**(session.settings if session else {}), **request.settings})
                if request.data is not None:
                    head, _ = statements.split_insert_format(request.statement)
                    if not request.data and statements.INSERT_SELECT.match(head):
                        # INSERT … SELECT sent with a FORMAT but no rows: a server runs the
                        # SELECT; chDB's insert stream cannot, so it is run as a command.
                        return self._command(replace(request, statement=head, data=None))
                    return self._insert(request)
                if keyword in ROW_STATEMENTS:
                    return self._select(request, running)
                return self._command(request)
        finally:
            self._unregister(running)
            if session is not None:
                with self._state:
                    session.busy = False

    def _enter_session(self, session_id: str | None) -> SessionState | None:
        if not session_id:
            return None
        with self._state:
            session = self._sessions.setdefault(session_id, SessionState())
            if session.busy:
                raise DoubleError(
                    373, "SESSION_IS_LOCKED", f"Session {session_id} is locked by a concurrent client"
                )
            session.busy = True
            return session

    def _register(self, request: Request) -> Running:
        request.query_id = request.query_id or str(uuid.uuid4())
        with self._state:
            if request.query_id in self._running:
                raise DoubleError(
                    216,
                    "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING",
                    f"Query with id = {request.query_id} is already running",
                )
            running = Running(request.query_id, request.statement)
            self._running[request.query_id] = running
            return running

    def _unregister(self, running: Running) -> None:
        with self._state:
            self._running.pop(running.query_id, None)
        running.done.set()

    def _wait_fault(self, running: Running, text: str, client_gone: Callable[[], bool] | None) -> None:
        """A fault delay happens outside the chDB lock: a slow query does not stall others."""
        delay = self._fault_delay(text)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if running.cancelled.wait(CANCEL_POLL_SECONDS) or (client_gone is not None and client_gone()):
                raise DoubleError.cancelled()

    def _use(self, database: str | None) -> None:
        target = database or "default"
        if target != self._database:
            self._query(f"USE {statements.quote_name(target)}", "TabSeparated")
            self._database = target

    def _apply_settings(self, wanted: dict[str, str]) -> None:
        """SET only what differs from the connection's current settings."""
        for name in [name for name in self._applied if name not in wanted]:
            self._query(f"SET {statements.setting_name(name)} = DEFAULT", "TabSeparated")
            del self._applied[name]
        for name, value in wanted.items():
            if self._applied.get(name) != value:
                self._query(
                    f"SET {statements.setting_name(name)} = {statements.setting_literal(value)}",
                    "TabSeparated",
                )
                self._applied[name] = value

    def _query(self, sql: str, fmt: str, params: dict[str, str] | None = None) -> Any:
        try:
            return self._conn.query(sql, fmt, params=params or None)
        except Exception as exc:  # chDB raises its own error types
            self._drain()
            raise from_chdb(exc) from exc

    def _drain(self) -> None:
        """chDB hands a failed or stopped statement's partial output to the next one; absorb it."""
        try:
            self._conn.query("SELECT 1", "TabSeparated")
        except Exception:  # nothing more to do: the next statement reports the state
            return

    def _command(self, request: Request) -> Outcome:
        explicit = statements.output_format(request.statement, None)
        fmt = explicit or request.default_format or "TabSeparated"
        started = time.monotonic_ns()
        result = self._query(request.statement, fmt, request.params)
        answers_rows = explicit or statements.first_keyword(request.statement) in RESULT_COMMANDS
        return Outcome(
            body=result.bytes(),
            fmt=fmt if answers_rows else None,
            summary=_summary(
                read_rows=result.rows_read(),
                read_bytes=result.bytes_read(),
                elapsed_ns=time.monotonic_ns() - started,
            ),
        )

    def _select(self, request: Request, running: Running) -> Outcome:
        fmt = statements.output_format(request.statement, request.default_format) or "TabSeparated"
        started = time.monotonic_ns()
        self._progress = {}
        result_rows = 0
        if fmt in STREAMED_FORMATS:
            try:
                stream = self._conn.send_query(request.statement, fmt, params=request.params or None)
                chunks: list[bytes] = []
                for chunk in _chunks(stream, running.cancelled.is_set):
                    chunks.append(chunk.bytes())
                    result_rows += chunk.rows_read()
            except DoubleError:
                self._drain()
                raise
            except Exception as exc:
                self._drain()
                raise from_chdb(exc) from exc
            body = b"".join(chunks)
        else:
            result = self._query(request.statement, fmt, request.params)
            body = result.bytes()
            result_rows = result.rows_read()
        if running.cancelled.is_set():  # killed while chDB could not be interrupted
            raise DoubleError.cancelled()
        progress = dict(self._progress)
        read_rows, read_bytes = progress.get("read_rows", 0), progress.get("read_bytes", 0)
        return Outcome(
            body=body,
            fmt=fmt,
            summary=_summary(
                read_rows=read_rows,
                read_bytes=read_bytes,
                total_rows_to_read=progress.get("total_rows_to_read", read_rows),
                result_rows=result_rows,
                result_bytes=len(body),
                elapsed_ns=time.monotonic_ns() - started,
            ),
        )

    def _insert(self, request: Request) -> Outcome:
        head, fmt = statements.split_insert_format(request.statement)
        started = time.monotonic_ns()
        try:
            with self._conn.send_insert(head, fmt) as inserter:
                if request.data:
                    inserter.append(request.data)
                result = inserter.finish()
        except Exception as exc:
            self._drain()
            raise from_chdb(exc) from exc
        return Outcome(
            body=b"",
            fmt=None,
            summary=_summary(
                written_rows=int(result.rows_written),
                written_bytes=int(result.bytes_written),
                elapsed_ns=time.monotonic_ns() - started,
            ),
        )

    def _set(self, request: Request) -> Outcome:
        """``SET`` lasts for a session's later queries; outside a session it changes nothing."""
        assignments = statements.parse_set(request.statement)
        if request.session_id:
            with self._state:
                session = self._sessions.setdefault(request.session_id, SessionState())
                session.settings.update(assignments)
        return Outcome(body=b"", fmt=None, summary=_summary())

    def _kill(self, request: Request) -> Outcome:
        query_id, mode = statements.parse_kill(request.statement, request.params)
        with self._state:
            target = self._running.get(query_id)
        if target is None:
            return Outcome(body=b"", fmt="TabSeparated", summary=_summary())
        target.cancelled.set()
        status = "waiting"
        if mode == "SYNC":
            target.done.wait(timeout=60)
            status = "finished"
        line = "\t".join([status, query_id, "default", statements.tsv_escape(target.statement)]) + "\n"
        return Outcome(body=line.encode(), fmt="TabSeparated", summary=_summary(result_rows=1))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _chunks(stream: Any, cancelled: Callable[[], bool]) -> Iterator[Any]:
    """The stream's blocks; a KILL stops it at the next block boundary."""
    try:
        for chunk in stream:
            if cancelled():
                stream.cancel()
                raise DoubleError.cancelled()
            yield chunk
        if cancelled():
            raise DoubleError.cancelled()
    finally:
        stream.close()


def _summary(**values: int) -> dict[str, int]:
    keys = (
        "read_rows",
        "read_bytes",
        "written_rows",
        "written_bytes",
        "total_rows_to_read",
        "result_rows",
        "result_bytes",
        "elapsed_ns",
    )
    return {key: int(values.get(key, 0)) for key in keys}
