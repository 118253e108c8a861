"""A job's progress: summed from the backend's reports, plus the running statement's.

``ProgressReporter`` sums what the backend reports over a job's statements and
writes it to the job's status. On a server a statement reports its progress only when it ends, so a poll adds
what the running statement (tagged with the job's query id) has read so far to
what the job's finished statements reported. chDB reports progress while it
reads (through the backend's callback), so nothing is added there.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from query_engine.backends import BackendError, Progress, get_backend
from query_engine.refresh import status as status_store

logger = logging.getLogger(__name__)
SERVER_BACKEND = "clickhouse-connect"
RUNNING_SQL = (
    "SELECT sum(read_rows), sum(read_bytes), sum(total_rows_approx), "
    "sum(ProfileEvents['OSCPUVirtualTimeMicroseconds']) "
    "FROM system.processes WHERE query_id = {query_id:String}"
)
FIELDS = ("rows_read", "bytes_read", "estimated_rows_total", "active_cpu_time")
PROGRESS_WRITE_SECONDS = 0.25


def with_running_statement(
    query_id: str, stored: dict[str, int] | None, pickup_time: str | None
) -> dict[str, int] | None:
    """``stored`` plus the server's running statement; unchanged on chDB or when nothing runs."""
    backend = get_backend()
    if backend.name != SERVER_BACKEND or pickup_time is None:
        return stored
    try:
        row = backend.execute(RUNNING_SQL, {"query_id": query_id}).rows[0]
    except (BackendError, IndexError):
        logger.warning("could not read progress of %s from system.processes", query_id, exc_info=True)
        return stored
    live = dict(zip(FIELDS, (int(value or 0) for value in row), strict=True))
    base = stored or dict.fromkeys((*FIELDS, "time_elapsed"), 0)
    if not any(live.values()):
        return stored
    picked_up = datetime.fromisoformat(pickup_time.replace("Z", "+00:00"))
    return {
        **{name: base.get(name, 0) + live[name] for name in FIELDS},
        "estimated_rows_total": base.get("estimated_rows_total", 0)
        + max(live["estimated_rows_total"], live["rows_read"]),
        "time_elapsed": int((datetime.now(UTC) - picked_up).total_seconds()),
    }


class ProgressReporter:
    """Sums progress over a job's statements and writes it to the status, at most every 0.25 s."""

    def __init__(self, team_id: int, query_id: str) -> None:
        self.team_id, self.query_id = team_id, query_id
        self.done = Progress()
        self.last = Progress()
        self.started = time.monotonic()
        self.written = 0.0
        self._lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            if progress.rows_read < self.last.rows_read:  # counters restarted: a new statement
                self.done = _add(self.done, self.last)
            self.last = progress
            now = time.monotonic()
            finished = progress.rows_read >= progress.total_rows_to_read
            if now - self.written < PROGRESS_WRITE_SECONDS and not finished:
                return
            self.written = now
            total = _add(self.done, progress)
        status_store.save_progress(
            self.team_id,
            self.query_id,
            {
                "bytes_read": total.bytes_read,
                "rows_read": total.rows_read,
                "estimated_rows_total": max(total.total_rows_to_read, total.rows_read),
                "time_elapsed": int(now - self.started),
                "active_cpu_time": 0,
            },
        )


def _add(a: Progress, b: Progress) -> Progress:
    return Progress(
        rows_read=a.rows_read + b.rows_read,
        bytes_read=a.bytes_read + b.bytes_read,
        total_rows_to_read=a.total_rows_to_read + b.total_rows_to_read,
        elapsed_seconds=a.elapsed_seconds + b.elapsed_seconds,
    )
