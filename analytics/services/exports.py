"""Exported assets: start the CSV of an insight or a query as an async job, write it when done.

The job is an ordinary async query (``query_engine.refresh``: the same Celery task, status
record, lease and result cache as ``refresh=async``), named ``export_<asset id>``. Creating
an export waits up to ``EXPORT_WAIT_SECONDS`` for it, as PostHog's does; a read of the asset
afterwards picks up the outcome (``finish``): the CSV content, or the job's error.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from analytics.models import ExportedAsset, Insight
from analytics.services.export_csv import to_csv
from analytics.services.insight_results import insight_query
from analytics.services.team_context import team_context
from query_engine.refresh import status as status_store
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results
from query_engine.runners.registry import runner_for
from tenancy.models import Team

LOST_JOB = "The export's job and its result expired before it finished; create the export again."
POLL_SECONDS = 0.1


def export_source(asset: ExportedAsset) -> dict[str, Any]:
    """The query node the export computes: ``export_context.source``, else the insight's query."""
    source = (asset.export_context or {}).get("source")
    if source is not None:
        return source
    assert asset.insight is not None  # the serializer requires one or the other
    return insight_query(filters=asset.insight.filters, query=asset.insight.query)


def start_export(
    *,
    team: Team,
    user: Any,
    insight: Insight | None,
    export_format: str,
    export_context: dict[str, Any] | None,
) -> ExportedAsset:
    context = team_context(team)
    source = (export_context or {}).get("source")
    if source is not None:
        runner_for(team=context, query=source, user_id=user.id)  # an invalid node is refused now (400)
    asset = ExportedAsset.objects.create(
        team=team,
        insight=insight,
        created_by=user,
        export_format=export_format,
        export_context=export_context,
    )
    asset.job_id = f"export_{asset.id}"
    asset.save(update_fields=["job_id"])
    # ``async``: a fresh cached result is used at once; otherwise a job computes it.
    response = query_results(
        team=context,
        query=export_source(asset),
        mode=ExecutionMode.ASYNC,
        query_id=asset.job_id,
        user_id=user.id,
        insight_id=insight.id if insight is not None else None,
    )
    if response.get("query_status") is None and response.get("results") is not None:
        return _write(asset, content=to_csv(response))
    return wait_for(asset, settings.EXPORT_WAIT_SECONDS)


def wait_for(asset: ExportedAsset, seconds: float) -> ExportedAsset:
    deadline = time.monotonic() + seconds
    while not finish(asset).finished and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    return asset


def finish(asset: ExportedAsset) -> ExportedAsset:
    """Write the job's outcome into the asset once it has one (``asset.finished``)."""
    if asset.finished or not asset.job_id:
        return asset
    record = status_store.get(asset.team_id, asset.job_id)
    if record is None:
        # The status record expired (or the cache was emptied): the result may still be cached.
        response = query_results(
            team=team_context(asset.team), query=export_source(asset), mode=ExecutionMode.FORCE_CACHE
        )
        if response.get("results") is None:
            return _write(asset, exception=LOST_JOB)
        return _write(asset, content=to_csv(response))
    if not record.complete:
        return asset
    if record.error:
        return _write(asset, exception=record.error_message or "The query failed.")
    return _write(asset, content=to_csv(record.results or {}))


def _write(
    asset: ExportedAsset, *, content: bytes | None = None, exception: str | None = None
) -> ExportedAsset:
    asset.content, asset.exception, asset.job_id = content, exception, None
    asset.save(update_fields=["content", "exception", "job_id"])
    return asset
