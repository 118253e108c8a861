"""Legacy compute routes ``insights/retention/`` and ``insights/path/`` (api.md §10).

Filters come from the query string (JSON-encoded lists/objects) on GET and
from the body on POST (query-string keys the body lacks still apply). The
filter dict becomes a query node and runs through the cached query results;
only blocking modes apply here: ``refresh=true`` recomputes, anything else
serves a fresh cached answer or computes one.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.views import TeamScopedMixin
from query_engine.execution import ExecutionMode, parse_refresh
from query_engine.legacy.registry import filters_to_query
from query_engine.results import query_results
from query_engine.runners.retention.results import triangular

FORCING = {ExecutionMode.FORCE_BLOCKING}


def legacy_mode(raw: Any) -> ExecutionMode:
    """``refresh=true`` (or ``force_*``) recomputes; other values use a fresh cache entry."""
    if str(raw).strip().lower() in ("true", "1", "yes"):
        return ExecutionMode.FORCE_BLOCKING
    mode = parse_refresh(raw, default=ExecutionMode.BLOCKING)
    return (
        ExecutionMode.FORCE_BLOCKING
        if mode in (ExecutionMode.FORCE_BLOCKING, ExecutionMode.FORCE_ASYNC)
        else ExecutionMode.BLOCKING
    )


class LegacyComputeView(TeamScopedMixin, APIView):
    """Shared GET/POST handling; subclasses name the insight kind and shape the result."""

    scope_object = "insight"
    required_scopes = ["insight:read"]
    throttle_scope = "clickhouse"
    insight = ""

    def filters(self, request: Request) -> dict[str, Any]:
        filters: dict[str, Any] = {key: request.query_params.get(key) for key in request.query_params}
        if request.method == "POST" and isinstance(request.data, dict):
            filters.update({key: request.data[key] for key in request.data})
        filters["insight"] = self.insight
        return filters

    def shape(self, results: Any) -> Any:
        return results

    def compute(self, request: Request) -> Response:
        filters = self.filters(request)
        refresh = filters.pop("refresh", None)
        query = filters_to_query(filters)
        response = query_results(team=self.team, query=query, mode=legacy_mode(refresh))
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

    def get(self, request: Request, team_id: str) -> Response:
        return self.compute(request)

    def post(self, request: Request, team_id: str) -> Response:
        return self.compute(request)


class LegacyRetentionView(LegacyComputeView):
    """Seed-era retention: triangular rows, ``total_intervals`` 11 by default."""

    insight = "RETENTION"

    def shape(self, results: Any) -> Any:
        return triangular(results)


class LegacyPathsView(LegacyComputeView):
    """Seed-era paths: the list of edges."""

    insight = "PATHS"
