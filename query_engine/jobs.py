"""Async calculations: enqueue a job, run it in a worker, report through its status.

``enqueue`` writes the pending status record before the Celery message is
sent (so a fast worker never races the record), and shares a still-pending
job for the same id instead of starting another. ``run`` is the task body:
it computes in ``force_blocking`` fashion (filling the result cache), feeds
progress from the backend into the status, and always finishes the record,
as a success or as an error, unless the job was cancelled meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime
from typing import Any

from query_engine import status as status_store
from query_engine.backends.base import BackendError, Progress, QueryCancelled, QueryTimeout
from query_engine.context import executing
from query_engine.errors import TIMEOUT_DETAIL, QueryError
from query_engine.team import TeamContext

logger = logging.getLogger(__name__)
PROGRESS_WRITE_SECONDS = 0.25


def enqueue(
    *,
    team: TeamContext,
    query: dict[str, Any],
    query_id: str,
    cache_key: str,
    user_id: int | None = None,
    insight_id: int | None = None,
    dashboard_id: int | None = None,
    reuse_finished: bool = False,
) -> status_store.QueryStatus:
    """Start (or join) the job for ``query_id``.

    A pending job is always joined. With ``reuse_finished`` (nothing cached)
    a failed record is returned as it is, as PostHog does, rather than failing
    again at once; a successful one whose result has left the cache is redone.
    """
    existing = status_store.get(team.id, query_id)
    if existing is not None and (existing.running or (reuse_finished and existing.error)):
        return existing
    from query_engine.tasks import process_query_task
    from query_engine.worker import ensure_embedded_worker

    task_id = uuid.uuid4().hex
    record = status_store.create(
        team_id=team.id,
        query_id=query_id,
        cache_key=cache_key,
        task_id=task_id,
        insight_id=insight_id,
        dashboard_id=dashboard_id,
    )
    try:
        ensure_embedded_worker()
        send(
            process_query_task,
            task_id=task_id,
            kwargs={
                "team_id": team.id,
                "team": team.answer_settings(),
                "query_id": query_id,
                "query": query,
                "user_id": user_id,
            },
        )
    except Exception as exc:  # broker or worker down: say so in the status rather than leave it pending
        logger.exception("could not enqueue query %s", query_id)
        return status_store.failed(record, f"The query could not be queued: {type(exc).__name__}.")
    return record


def send(task: Any, *, task_id: str, kwargs: dict[str, Any]) -> None:
    """Publish, declaring the queue first: a flushed Redis database loses its queue bindings."""
    app = task.app
    queue = app.amqp.queues[app.conf.task_default_queue]
    with app.producer_or_acquire() as producer:
        queue(producer.channel).declare()
        task.apply_async(kwargs=kwargs, task_id=task_id, producer=producer)


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


def safe_message(exc: BaseException) -> str | None:
    """A message fit for the client, or None for internal errors (logged instead)."""
    if isinstance(exc, QueryError):
        return exc.detail
    if isinstance(exc, QueryTimeout):
        return TIMEOUT_DETAIL
    if isinstance(exc, QueryCancelled):
        return "The query was cancelled."
    if isinstance(exc, BackendError):
        return str(exc).strip().splitlines()[0][:500] if str(exc).strip() else "The query failed."
    return None


def run(
    *,
    task_id: str,
    team: TeamContext,
    query_id: str,
    query: dict[str, Any],
    user_id: int | None = None,
) -> None:
    """The task body: compute, then record success or failure (never leaves the record pending).

    A task whose record was cancelled, has expired or now belongs to a newer job
    for the same id does nothing, and never writes over another job's record.
    """
    from query_engine import results

    team_id = team.id
    record = status_store.get(team_id, query_id)
    if record is None or record.task_id != task_id or status_store.is_cancelled(task_id):
        return
    record = status_store.picked_up(record)
    try:
        key = results.query_cache_key(team=team, query=query)
        with executing(query_id=query_id, on_progress=ProgressReporter(team_id, query_id)):
            response = results.compute_once(
                team=team, query=query, key=key, since=_parse(record.start_time), user_id=user_id
            )
    except Exception as exc:
        message = safe_message(exc)
        if message is None:
            logger.exception("async query %s failed", query_id)
        if _still_ours(record):
            status_store.failed(record, message)
        return
    if _still_ours(record):
        status_store.succeeded(record, response)


def _still_ours(record: status_store.QueryStatus) -> bool:
    """May this task write its outcome? Not when a newer job owns the id, nor after a cancel
    (whose record a late pickup may have written back: removed again here)."""
    current = status_store.get(record.team_id, record.id)
    if current is None or current.task_id != record.task_id:
        return False
    if status_store.is_cancelled(record.task_id):
        status_store.delete(record.team_id, record.id)
        return False
    return True


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
