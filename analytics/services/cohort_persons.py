"""One page of a cohort's persons in PostHog's actor shape, with ``next``/``previous`` links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from analytics.models import Cohort
from analytics.views.legacy_persons import legacy_person
from query_engine.cohorts.persons import members_page_sql
from query_engine.cohorts.source import CohortRef
from query_engine.errors import QueryError
from query_engine.runners.common import run_sql

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _number(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise QueryError(f"{name} must be a whole number.", attr=name)
    return int(raw)


def _person(row: list[Any]) -> dict[str, Any]:
    person_id, created_at, properties, is_identified, distinct_ids = row
    try:
        props = orjson.loads(properties) if properties else {}
    except orjson.JSONDecodeError:
        props = {}
    return legacy_person(
        {
            "id": person_id,
            "created_at": created_at.isoformat() if isinstance(created_at, datetime) else created_at,
            "properties": props,
            "is_identified": bool(is_identified),
            "distinct_ids": list(distinct_ids or []),
        }
    )


def cohort_persons_page(*, request: Request, cohort: Cohort) -> dict[str, Any]:
    limit = min(_number(request, "limit", DEFAULT_LIMIT), MAX_LIMIT) or DEFAULT_LIMIT
    offset = _number(request, "offset", 0)
    ref = CohortRef(cohort.pk, cohort.name or "", cohort.version, cohort.is_static)
    sql, params = members_page_sql(
        team_id=cohort.team_id, ref=ref, limit=limit, offset=offset, search=request.query_params.get("search")
    )
    rows = run_sql(sql, params, timeout_key="default").rows
    url = request.build_absolute_uri()
    next_url = replace_query_param(url, "offset", offset + limit) if len(rows) == limit else None
    previous_url = None
    if offset > 0:
        previous_url = (
            replace_query_param(url, "offset", offset - limit)
            if offset - limit > 0
            else remove_query_param(url, "offset")
        )
    return {"results": [_person(row) for row in rows], "next": next_url, "previous": previous_url}
