"""Cohort side effects: validating a definition against the project's cohorts, and the
calculation itself (run by the ``analytics.calculate_cohort`` task).

``analytics.tasks`` queues calculations and runs them. A calculation writes a new
membership version into ClickHouse with one INSERT … SELECT, counts it, and only then
makes it the cohort's readable ``version`` (if no newer calculation was queued
meanwhile), so readers switch from the old set to the new one at once. The superseded
version is then cancelled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from analytics.models import Cohort
from query_engine.backends import get_backend
from query_engine.backends.query_limits import limit_settings
from query_engine.cohorts.calculate import (
    calculation_sql,
    cancel_sql,
    copy_sql,
    count_sql,
    matching_persons_sql,
    static_add_sql,
    static_remove_sql,
)
from query_engine.cohorts.definition import Group, parse_definition, referenced_cohorts
from query_engine.cohorts.source import cohort_ref
from query_engine.dates import zone
from query_engine.errors import QueryError
from query_engine.runners.common import run_sql
from tenancy.models import Team

logger = logging.getLogger(__name__)
LOOP_MESSAGE = "Cohorts cannot reference other cohorts in a loop."
# Calculations are bounded like any query (settings.QUERY_TIMEOUT_SECONDS["default"] or this).
CALCULATION_TIMEOUT_SECONDS = 600
LOCK_RETRIES = 250
LOCK_RETRY_SECONDS = 0.02
STALE_AFTER = timedelta(minutes=15)
MAX_ERRORS = 20
STALE_BATCH = 100


def definition_of(cohort: Cohort) -> Group:
    return parse_definition(cohort.filters, cohort.groups)


def check_references(*, team: Team, cohort_id: int | None, definition: Group) -> None:
    """Every referenced cohort is the project's own and not deleted, and none leads back
    to ``cohort_id`` (400 otherwise)."""
    seen: set[int] = set()
    pending = set(referenced_cohorts(definition))
    while pending:
        ref = pending.pop()
        if ref == cohort_id:
            raise QueryError(LOOP_MESSAGE, attr="filters")
        if ref in seen:
            continue
        seen.add(ref)
        other = Cohort.objects.filter(team=team, id=ref, deleted=False).first()
        if other is None:
            raise QueryError(f"Cohort {ref} does not exist in this project.", attr="filters")
        if not other.is_static:
            try:
                pending |= referenced_cohorts(definition_of(other))
            except QueryError:
                continue  # a stored definition this version cannot read references nothing it knows


def retrying[T](operation: Callable[[], T], *, atomic: bool = False) -> T:
    """``operation``, retried while SQLite says a table is locked.

    The worker thread writes cohort rows while web threads read them. A SQLite file waits
    for the lock (its ``timeout``), but the shared-cache in-memory database Django's tests
    use answers "table is locked" at once; PostgreSQL never does. ``atomic``: each try is
    its own (savepoint) transaction, so a failed one leaves nothing behind (plain reads
    and single updates go without: a SQLite transaction here begins IMMEDIATE, a write lock)."""
    for attempt in range(LOCK_RETRIES):
        try:
            if not atomic:
                return operation()
            with transaction.atomic():
                return operation()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(LOCK_RETRY_SECONDS)
    raise AssertionError("unreachable")


def mark_queued(cohort: Cohort) -> int:
    """Mark the cohort calculating under a new pending version (returned)."""

    def mark() -> int:
        locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
        version = max(locked.version or 0, locked.pending_version or 0) + 1
        Cohort.objects.filter(pk=cohort.pk).update(pending_version=version, is_calculating=True)
        return version

    version = retrying(mark, atomic=True)
    cohort.pending_version, cohort.is_calculating = version, True
    return version


def calculate(
    *,
    cohort_id: int,
    version: int,
    kind: str | None = None,
    values: list[str] | None = None,
    remove: str | None = None,
    copy_from: int | None = None,
) -> list[Cohort] | None:
    """The task body: write version ``version`` of the cohort's members, then publish it.

    When this version became the readable one, returns the cohorts that reference this one
    (to recalculate next); they are read before publishing, so once a client sees the
    cohort calculated the worker is done with the metadata database."""
    cohort = retrying(
        lambda: Cohort.objects.filter(pk=cohort_id, deleted=False).select_related("team").first()
    )
    if cohort is None or cohort.pending_version != version:
        return None  # deleted, or a newer calculation was queued (it does the work)
    backend = get_backend()
    # A calculation writes no result to a client: time and memory are capped, result size is not.
    settings = {
        "max_execution_time": CALCULATION_TIMEOUT_SECONDS,
        "max_memory_usage": limit_settings(CALCULATION_TIMEOUT_SECONDS)["max_memory_usage"],
    }
    try:
        if cohort.is_static and copy_from is not None:
            source = cohort_ref(cohort.team_id, copy_from, "id")
            sql, params = copy_sql(
                team_id=cohort.team_id, cohort_id=cohort.pk, version=version, source=source
            )
        elif cohort.is_static and remove is not None:
            sql, params = static_remove_sql(
                team_id=cohort.team_id,
                cohort_id=cohort.pk,
                old_version=cohort.version or 0,
                version=version,
                person_id=remove,
            )
        elif cohort.is_static:
            sql, params = static_add_sql(
                team_id=cohort.team_id,
                cohort_id=cohort.pk,
                old_version=cohort.version,
                version=version,
                kind=kind or "person_id",
                values=values or [],
            )
        else:
            sql, params = calculation_sql(
                definition_of(cohort),
                team_id=cohort.team_id,
                cohort_id=cohort.pk,
                version=version,
                tz=zone(cohort.team.timezone or "UTC"),
                now=timezone.now(),
            )
        backend.execute(sql, params, settings=settings)
        count_query, count_params = count_sql(team_id=cohort.team_id, cohort_id=cohort.pk, version=version)
        count = int(backend.execute(count_query, count_params, settings=settings).rows[0][0])
    except Exception:
        logger.exception("calculating cohort %s failed", cohort_id)
        failed(cohort_id, version)
        return None
    following = dependents(cohort)
    published = retrying(
        lambda: Cohort.objects.filter(pk=cohort_id, pending_version=version).update(
            version=version,
            count=count,
            is_calculating=False,
            last_calculation=timezone.now(),
            errors_calculating=0,
        )
    )
    if not published:
        return None  # superseded while running; the newer calculation publishes
    sql, params = cancel_sql(team_id=cohort.team_id, cohort_id=cohort_id, below=version)
    backend.execute(sql, params, settings=settings)
    return following


def count_matching_persons(*, team_id: int, person_ids: list[str]) -> int:
    sql, params = matching_persons_sql(team_id=team_id, kind="person_id", values=person_ids)
    return int(run_sql(sql, params, timeout_key="default").rows[0][0])


def stale_cohorts(*, limit: int = STALE_BATCH) -> list[Cohort]:
    """Dynamic cohorts due a scheduled recalculation: never calculated or calculated more than
    ``STALE_AFTER`` ago, not calculating now, and not failing ``MAX_ERRORS`` times in a row
    (PostHog's rule); the oldest first."""
    due = timezone.now() - STALE_AFTER
    return list(
        Cohort.objects.filter(deleted=False, is_static=False, is_calculating=False)
        .filter(errors_calculating__lte=MAX_ERRORS)
        .filter(Q(last_calculation__isnull=True) | Q(last_calculation__lt=due))
        .order_by(F("last_calculation").asc(nulls_first=True), "id")[:limit]
    )


def failed(cohort_id: int, version: int) -> None:
    retrying(
        lambda: Cohort.objects.filter(pk=cohort_id, pending_version=version).update(
            is_calculating=False, errors_calculating=F("errors_calculating") + 1, last_error_at=timezone.now()
        )
    )


def dependents(cohort: Cohort) -> list[Cohort]:
    """The project's dynamic cohorts that reference ``cohort`` (recalculated after it)."""
    found = []
    others = retrying(
        lambda: list(
            Cohort.objects.filter(team_id=cohort.team_id, deleted=False, is_static=False).exclude(
                pk=cohort.pk
            )
        )
    )
    for other in others:
        try:
            if cohort.pk in referenced_cohorts(definition_of(other)):
                found.append(other)
        except QueryError:
            continue
    return found
