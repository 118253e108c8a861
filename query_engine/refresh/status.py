"""The ``query_status`` record of an async calculation, kept in Django's cache.

One record per ``(team, query id)`` under ``query_async:<team_id>:<query_id>``.
Guarantees:

* pending and failed are unmistakable: a failed job has ``complete: true`` and
  ``error: true`` (with a user-safe ``error_message`` or null for internal
  errors); a pending one has ``complete: false`` and ``error: false``;
* a successful record lives as long as the cached result it produced (the
  result cache's TTL), so a client polling a query that ran never gets 404;
* progress is kept under its own key, so a progress write can never overwrite
  the final record or resurrect a cancelled one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.core.cache import cache

from query_engine.refresh import lease
from query_engine.refresh.cache import RESULT_TTL, results_changed

PENDING_TTL = timedelta(minutes=20)
# The result cache's TTL: a completed record outlives nothing it produced.
COMPLETE_TTL = RESULT_TTL
FAILED_TTL = PENDING_TTL

# Public fields, in the order PostHog's QueryStatus lists them.
PUBLIC_FIELDS = (
    "id",
    "query_async",
    "team_id",
    "insight_id",
    "dashboard_id",
    "complete",
    "error",
    "error_message",
    "results",
    "start_time",
    "pickup_time",
    "end_time",
    "expiration_time",
    "task_id",
    "labels",
)


def _now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def status_key(team_id: int, query_id: str) -> str:
    return f"query_async:{team_id}:{query_id}"


def progress_key(team_id: int, query_id: str) -> str:
    return f"query_progress:{team_id}:{query_id}"


def statement_prefix(team_id: int, query_id: str) -> str:
    """How every ClickHouse query id of a project's job begins (cancel can only name its own)."""
    return f"team{team_id}:{query_id}:"


def cancel_key(task_id: str) -> str:
    return f"query_cancelled:{task_id}"


@dataclass
class QueryStatus:
    """One async job as a client sees it; datetimes are ISO strings with ``Z``."""

    id: str
    team_id: int
    insight_id: int | None = None
    dashboard_id: int | None = None
    complete: bool = False
    error: bool = False
    error_message: str | None = None
    results: Any = None
    start_time: str | None = None
    pickup_time: str | None = None
    end_time: str | None = None
    expiration_time: str | None = None
    task_id: str | None = None
    labels: list[str] | None = None
    query_async: bool = True
    # Not public: the result cache key this job fills.
    cache_key: str | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return not self.complete

    @property
    def statement_id(self) -> str:
        """The ClickHouse query id of this job's statements: one per job, not per client id, so a
        retry never collides with a statement its dead predecessor left running (216). It starts
        with the project's id: a client id another project also uses never names this one."""
        return statement_prefix(self.team_id, self.id) + (self.task_id or "")

    def public(self, *, progress: dict[str, int] | None = None) -> dict[str, Any]:
        data = asdict(self)
        body = {name: data[name] for name in PUBLIC_FIELDS}
        body["query_progress"] = progress if progress is not None and not self.complete else None
        return body


def _write(status: QueryStatus, ttl: timedelta) -> QueryStatus:
    status.expiration_time = iso(_now() + ttl)
    cache.set(status_key(status.team_id, status.id), orjson.dumps(asdict(status)), int(ttl.total_seconds()))
    results_changed.send(sender=_write, team_id=status.team_id)
    return status


def get(team_id: int, query_id: str) -> QueryStatus | None:
    raw = cache.get(status_key(team_id, query_id))
    return checked(QueryStatus(**orjson.loads(raw))) if raw is not None else None


def checked(status: QueryStatus) -> QueryStatus:
    """A running job whose worker died is failed on this read (``lease``)."""
    if status.running and status.pickup_time is not None and lease.expired(status.task_id):
        if is_cancelled(status.task_id or ""):
            return status
        return failed(status, lease.LOST_MESSAGE)
    return status


def create(
    *,
    team_id: int,
    query_id: str,
    cache_key: str | None,
    task_id: str,
    insight_id: int | None = None,
    dashboard_id: int | None = None,
) -> QueryStatus:
    """A fresh pending record; replaces any older one for the same id."""
    cache.delete(progress_key(team_id, query_id))
    status = QueryStatus(
        id=query_id,
        team_id=team_id,
        insight_id=insight_id,
        dashboard_id=dashboard_id,
        start_time=iso(_now()),
        task_id=task_id,
        cache_key=cache_key,
    )
    return _write(status, PENDING_TTL)


def picked_up(status: QueryStatus) -> QueryStatus:
    status.pickup_time = iso(_now())
    return _write(status, PENDING_TTL)


def succeeded(status: QueryStatus, results: dict[str, Any]) -> QueryStatus:
    status.complete, status.error, status.error_message = True, False, None
    status.results = results
    status.end_time = iso(_now())
    cache.delete(progress_key(status.team_id, status.id))
    return _write(status, COMPLETE_TTL)


def failed(status: QueryStatus, message: str | None) -> QueryStatus:
    status.complete, status.error, status.error_message = True, True, message
    status.results = None
    status.end_time = iso(_now())
    cache.delete(progress_key(status.team_id, status.id))
    return _write(status, FAILED_TTL)


def delete(team_id: int, query_id: str) -> None:
    cache.delete_many([status_key(team_id, query_id), progress_key(team_id, query_id)])
    results_changed.send(sender=delete, team_id=team_id)


def mark_cancelled(task_id: str) -> None:
    """Remember the cancel so the task, queued or still running, discards its outcome."""
    cache.set(cancel_key(task_id), b"1", int(PENDING_TTL.total_seconds()))


def is_cancelled(task_id: str) -> bool:
    return cache.get(cancel_key(task_id)) is not None


def save_progress(team_id: int, query_id: str, progress: dict[str, int]) -> None:
    cache.set(progress_key(team_id, query_id), orjson.dumps(progress), int(PENDING_TTL.total_seconds()))


def progress(team_id: int, query_id: str) -> dict[str, int] | None:
    raw = cache.get(progress_key(team_id, query_id))
    return orjson.loads(raw) if raw is not None else None
