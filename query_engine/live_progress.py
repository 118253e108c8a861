"""Progress of a job's running statement, read from a ClickHouse server's ``system.processes``.

On a server a statement reports its progress only when it ends, so a poll adds
what the running statement (tagged with the job's query id) has read so far to
what the job's finished statements reported. chDB reports progress while it
reads (through the backend's callback), so nothing is added there.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from query_engine.backends import BackendError, get_backend

logger = logging.getLogger(__name__)
SERVER_BACKEND = "clickhouse-connect"
RUNNING_SQL = (
    "SELECT sum(read_rows), sum(read_bytes), sum(total_rows_approx), "
    "sum(ProfileEvents['OSCPUVirtualTimeMicroseconds']) "
    "FROM system.processes WHERE query_id = {query_id:String}"
)
FIELDS = ("rows_read", "bytes_read", "estimated_rows_total", "active_cpu_time")


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
