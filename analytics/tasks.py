"""Celery tasks of the analytics app (found by ``app.autodiscover_tasks()``), and queueing them.

``queue_calculation`` marks a cohort calculating and sends ``analytics.calculate_cohort``
once the transaction commits (so the worker sees the row); the embedded worker runs it
in the web process when there is no ClickHouse server. Cohorts that reference a
recalculated one are queued after it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from analytics.ingestion import override_squash
from analytics.ingestion.writer import get_writer
from analytics.models import Cohort
from analytics.services.cohorts import calculate, failed, mark_queued, stale_cohorts
from query_engine.refresh import singleflight
from query_engine.refresh.jobs import send
from query_engine.refresh.worker import ensure_embedded_worker

logger = logging.getLogger(__name__)
CALCULATE_COHORT = "analytics.calculate_cohort"
REFRESH_STALE_COHORTS = "analytics.refresh_stale_cohorts"
SQUASH_PERSON_OVERRIDES = "analytics.squash_person_overrides"


@shared_task(name=CALCULATE_COHORT, ignore_result=True)
def calculate_cohort_task(
    *,
    cohort_id: int,
    version: int,
    kind: str | None = None,
    values: list[str] | None = None,
    remove: str | None = None,
    copy_from: int | None = None,
) -> None:
    following = calculate(
        cohort_id=cohort_id, version=version, kind=kind, values=values, remove=remove, copy_from=copy_from
    )
    for other in following or []:
        queue_calculation(other)


@shared_task(name=REFRESH_STALE_COHORTS, ignore_result=True)
def refresh_stale_cohorts_task() -> int:
    """Scheduled (``CELERY_BEAT_SCHEDULE``): queue the dynamic cohorts due a recalculation."""
    due = stale_cohorts()
    for cohort in due:
        queue_calculation(cohort)
    return len(due)


@shared_task(name=SQUASH_PERSON_OVERRIDES, ignore_result=True)
def squash_person_overrides_task() -> int:
    """Scheduled (``CELERY_BEAT_SCHEDULE``, ClickHouse server only: embedded, the writer's own
    thread does it): fold person overrides into events (``analytics.ingestion.override_squash``)."""
    if settings.PERSON_OVERRIDES_SQUASH_SECONDS <= 0:
        return 0
    try:
        # A run waits out its grace before deleting, which can outlast the schedule's interval:
        # one run at a time (a second would redo the same idempotent work).
        with singleflight.held("override-squash", wait_seconds=0):
            return override_squash.squash_all(get_writer())
    except singleflight.LockTimeout:
        return 0


def queue_calculation(
    cohort: Cohort,
    *,
    static: tuple[str, list[str]] | None = None,
    remove: str | None = None,
    copy_from: int | None = None,
) -> None:
    """Queue the cohort's calculation; ``static``: ``(kind, values)`` added to a static cohort;
    ``remove``: a person id taken out of one; ``copy_from``: a cohort whose members it takes."""
    version = mark_queued(cohort)
    kwargs: dict[str, Any] = {"cohort_id": cohort.pk, "version": version}
    if static is not None:
        kwargs.update({"kind": static[0], "values": static[1]})
    if remove is not None:
        kwargs["remove"] = remove
    if copy_from is not None:
        kwargs["copy_from"] = copy_from
    transaction.on_commit(lambda: _send(kwargs))


def _send(kwargs: dict[str, Any]) -> None:
    try:
        ensure_embedded_worker()
        task_id = f"cohort_{kwargs['cohort_id']}_{kwargs['version']}"
        send(calculate_cohort_task, task_id=task_id, kwargs=kwargs)
    except Exception:  # broker down: the cohort says it failed instead of calculating forever
        logger.exception("could not queue the calculation of cohort %s", kwargs["cohort_id"])
        failed(kwargs["cohort_id"], kwargs["version"])
