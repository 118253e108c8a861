"""Legacy compute routes ``insights/retention/`` and ``insights/path/`` (api.md §10).

Filters come from the query string (JSON-encoded lists/objects) on GET and
from the body on POST. The filter dict becomes a query node and runs through
the cached query results; only blocking modes apply: ``refresh=true``
recomputes, anything else serves a fresh cached answer or computes one.
Errors name the legacy field (``period``, ``step_limit`` …), not the node's.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.views import TeamScopedMixin
from analytics.serializers.legacy_retention_paths import (
    PATHS_PARAMS,
    RETENTION_PARAMS,
    PathsResponseSerializer,
    RetentionResponseSerializer,
)
from analytics.views.legacy_compute import request_filters
from insights_api.errors import QueryError
from query_engine.execution import ExecutionMode
from query_engine.legacy.registry import filters_to_query
from query_engine.legacy.trends import truthy
from query_engine.results import query_results
from query_engine.runners.retention.results import triangular

NODE_FILTERS = re.compile(r"^(?:retentionFilter|pathsFilter|dateRange)__([A-Za-z]+)(.*)$")


def legacy_attr(attr: str | None) -> str | None:
    """``retentionFilter__totalIntervals`` → ``total_intervals`` (the key the client sent)."""
    match = NODE_FILTERS.match(attr or "")
    if not match:
        return attr
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", match.group(1)).lower()
    return snake + match.group(2)


class LegacyComputeView(TeamScopedMixin, APIView):
    """Shared GET/POST handling; subclasses name the insight kind and shape the result."""

    scope_object = "insight"
    required_scopes = ["insight:read"]
    throttle_scope = "clickhouse"
    insight = ""

    def shape(self, results: Any) -> Any:
        return results

    def compute(self, request: Request) -> Response:
        filters = {**request_filters(request), "insight": self.insight}
        mode = ExecutionMode.FORCE_BLOCKING if truthy(filters.get("refresh")) else ExecutionMode.BLOCKING
        try:
            query = filters_to_query(filters)["source"]
            response = query_results(team=self.team, query=query, mode=mode)
        except QueryError as exc:
            exc.attr = legacy_attr(exc.attr)
            raise
        return Response(
            {
                "result": self.shape(response.get("results") or []),
                "timezone": self.team.timezone,
                "last_refresh": response.get("last_refresh"),
                "is_cached": bool(response.get("is_cached")),
                "timings": response.get("timings") or [],
                "next": None,
            }
        )

    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.compute(request)

    def post(self, request: Request, **kwargs: Any) -> Response:
        return self.compute(request)


@extend_schema(parameters=RETENTION_PARAMS, request=None, responses=RetentionResponseSerializer)
class LegacyRetentionView(LegacyComputeView):
    """Seed-era retention: triangular rows, ``total_intervals`` 11 by default."""

    insight = "RETENTION"

    def shape(self, results: Any) -> Any:
        return triangular(results)


@extend_schema(parameters=PATHS_PARAMS, request=None, responses=PathsResponseSerializer)
class LegacyPathsView(LegacyComputeView):
    """Seed-era paths: the list of edges."""

    insight = "PATHS"
