"""Async jobs: enqueue one (or join the pending one), and cancel it.

``enqueue`` writes the pending status record before the Celery message is
sent (so a fast worker never races the record), and shares a still-pending
job for the same id instead of starting another. The task body is
``tasks.run``; ``cancel`` stops a queued or running job and forgets it.
"""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from typing import Any

from celery import current_app

from query_engine.backends import get_backend
from query_engine.refresh import status as status_store
from query_engine.refresh.tasks import process_query_task
from query_engine.refresh.worker import ensure_embedded_worker
from query_engine.team import TeamContext

logger = logging.getLogger(__name__)


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


class Cancelled(StrEnum):
    """What ``cancel`` did, in the words the API answers with."""

    ALREADY_COMPLETE = "Query already complete"
    STILL_RUNNING = "Query already running; dequeue_only leaves it running"
    DEQUEUED = "Query dequeued"
    CANCELLED = "Query cancelled"


def cancel(*, team_id: int, query_id: str, dequeue_only: bool = False) -> Cancelled:
    """Stop the job for ``query_id`` and forget its status.

    A finished job is left alone; ``dequeue_only`` only stops a job no worker
    has picked up yet. Otherwise the task is revoked, flagged (so a worker
    that misses the broadcast discards its outcome) and its running statement
    is cancelled on ClickHouse.
    """
    record = status_store.get(team_id, query_id)
    if record is not None and record.complete:
        return Cancelled.ALREADY_COMPLETE
    if dequeue_only:
        if record is not None and record.pickup_time is not None:
            return Cancelled.STILL_RUNNING
        _stop(team_id, query_id, record)
        return Cancelled.DEQUEUED
    _stop(team_id, query_id, record)
    if record is not None:
        # Only a statement this project's own job runs: the client's id alone never reaches
        # KILL QUERY (another project may run a job under the same id).
        get_backend().cancel(record.statement_id)
    return Cancelled.CANCELLED


def _stop(team_id: int, query_id: str, record: status_store.QueryStatus | None) -> None:
    if record is not None and record.task_id:
        status_store.mark_cancelled(record.task_id)
        _revoke(record.task_id)
    status_store.delete(team_id, query_id)


def _revoke(task_id: str) -> None:
    """Tell workers to skip the task; the cancel flag covers a worker that misses the broadcast."""
    try:
        current_app.control.revoke(task_id)
    except Exception:  # the broker being away must not turn a cancel into a 500
        logger.warning("could not broadcast revoke for task %s", task_id, exc_info=True)
