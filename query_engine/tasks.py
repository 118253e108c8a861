"""Celery tasks. Production runs them in ``celery -A insights_api worker`` processes
against a ClickHouse server; embedded mode runs them in the web process (query_engine.worker)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from query_engine import jobs
from query_engine.team import TeamContext

# A job may not outlive its status record; ClickHouse's own timeout stops the query earlier.
TIME_LIMIT_SECONDS = int(jobs.status_store.PENDING_TTL.total_seconds()) - 60


@shared_task(bind=True, name="query_engine.process_query", ignore_result=True, time_limit=TIME_LIMIT_SECONDS)
def process_query_task(
    self,
    *,
    team_id: int,
    team: dict[str, Any],
    query_id: str,
    query: dict[str, Any],
    user_id: int | None = None,
) -> None:
    # The team's settings travel with the job (the engine reads no ORM); ``team_id`` names it in logs.
    # user_id travels for logs and future per-user limits; results do not depend on it.
    jobs.run(
        task_id=self.request.id,
        team=TeamContext.from_settings(team),
        query_id=query_id,
        query=query,
        user_id=user_id,
    )
