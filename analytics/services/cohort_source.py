"""The engine's source of saved cohorts (registered in ``AnalyticsConfig.ready``)."""

from __future__ import annotations

from analytics.models import Cohort
from query_engine.cohorts.source import CohortRef


def saved_cohorts(team_id: int, ids: frozenset[int]) -> dict[int, CohortRef]:
    rows = Cohort.objects.filter(team_id=team_id, id__in=ids, deleted=False).only(
        "id", "name", "version", "is_static"
    )
    return {row.id: CohortRef(row.id, row.name or "", row.version, row.is_static) for row in rows}


def saved_cohort_named(team_id: int, name: str) -> CohortRef | None:
    row = Cohort.objects.filter(team_id=team_id, name=name, deleted=False).order_by("-id").first()
    return CohortRef(row.id, row.name or "", row.version, row.is_static) if row is not None else None
