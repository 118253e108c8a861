"""The Celery task of an async job, and its body.

Production runs it in ``celery -A insights_api worker`` processes against a
ClickHouse server; embedded mode runs it in the web process (``worker``).
``run`` computes in ``force_blocking`` fashion (filling the result cache),
feeds progress from the backend into the status, and always finishes the
record, as a success or as an error, unless the job was cancelled meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from celery import shared_task

from query_engine.backends.base import BackendError, QueryCancelled, QueryTimeout
from query_engine.backends.execution_context import executing
from query_engine.errors import TIMEOUT_DETAIL, QueryError
from query_engine.refresh import lease
from query_engine.refresh import status as status_store
from query_engine.refresh.cache import query_cache_key
from query_engine.refresh.compute import compute_once
from query_engine.refresh.progress import ProgressReporter
from query_engine.team import TeamContext

logger = logging.getLogger(__name__)
TASK_NAME = "query_engine.process_query"
# A job may not outlive its status record; ClickHouse's own timeout stops the query earlier.
TIME_LIMIT_SECONDS = int(status_store.PENDING_TTL.total_seconds()) - 60


@shared_task(bind=True, name=TASK_NAME, ignore_result=True, time_limit=TIME_LIMIT_SECONDS)
def process_query_task(
    self: Any,
    *,
    team_id: int,
    team: dict[str, Any],
    query_id: str,
    query: dict[str, Any],
    user_id: int | None = None,
) -> None:
    # The team's settings travel with the job (the engine reads no ORM); ``team_id`` names it in logs.
    # user_id travels for logs and future per-user limits; results do not depend on it.
    run(
        task_id=self.request.id,
        team=TeamContext.from_settings(team),
        query_id=query_id,
        query=query,
        user_id=user_id,
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
        # ClickHouse's own text stays in the log: it can show SQL and server internals.
        logger.warning("async query failed in the event store: %s", exc)
        code = f" (ClickHouse error {exc.code})" if exc.code is not None else ""
        return f"The event store could not run the query{code}."
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
    team_id = team.id
    record = status_store.get(team_id, query_id)
    if record is None or record.task_id != task_id or status_store.is_cancelled(task_id):
        return
    # The lease comes first: a reader that sees the pickup also sees the lease (lease.py).
    with lease.holding(task_id):
        record = status_store.picked_up(record)
        try:
            key = query_cache_key(team=team, query=query)
            with executing(query_id=record.statement_id, on_progress=ProgressReporter(team_id, query_id)):
                response = compute_once(
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
    if record.task_id is not None and status_store.is_cancelled(record.task_id):
        status_store.delete(record.team_id, record.id)
        return False
    return True


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
