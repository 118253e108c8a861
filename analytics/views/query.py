"""``POST /api/projects/:id/query/``: run a query node (api.md §12).

Computation goes through ``query_results``; ``refresh`` takes the seven
modes (``force_cache`` and the default become ``blocking`` here).
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.views import TeamScopedMixin
from analytics.serializers.compute_schemas import QueryRequestSerializer, QueryResponseSerializer
from analytics.services.insight_results import (
    parse_filters_override,
    refuse_variables_override,
    with_dashboard_filters,
)
from analytics.services.team_context import team_context
from insights_api.errors import QueryError
from insights_api.store_failures import require_cache
from query_engine.refresh.modes import ExecutionMode, parse_refresh
from query_engine.refresh.results import ASYNC_MODES, query_results
from query_engine.runners.registry import runner_for

# Modes that may hand the query to a job: its status lives in the shared cache.
QUEUEING_MODES = {*ASYNC_MODES, ExecutionMode.FORCE_ASYNC}


@extend_schema_view(
    post=extend_schema(
        request=QueryRequestSerializer, responses={200: QueryResponseSerializer, 202: QueryResponseSerializer}
    )
)
class QueryView(TeamScopedMixin, APIView):
    scope_object = "query"
    required_scopes = ["query:read"]
    throttle_scope = "clickhouse"

    def post(self, request: Request, **kwargs: Any) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        query = body.get("query")
        if not isinstance(query, dict):
            raise QueryError("query must be a query node object.", attr="query")
        override = parse_filters_override(body.get("filters_override"))
        refuse_variables_override(body.get("variables_override"))
        if override:
            query = with_dashboard_filters(query, override)
        mode = parse_refresh(body.get("refresh"), default=ExecutionMode.BLOCKING)
        if body.get("async") is True and body.get("refresh") in (None, ""):
            mode = ExecutionMode.ASYNC
        if mode == ExecutionMode.FORCE_CACHE:
            mode = ExecutionMode.BLOCKING
        client_query_id = body.get("client_query_id")
        if client_query_id is not None and not (isinstance(client_query_id, str) and client_query_id.strip()):
            raise QueryError("client_query_id must be a non-empty string.", attr="client_query_id")
        team = team_context(self.team)
        if mode in QUEUEING_MODES:
            # A job would only fail later: an invalid node is refused now, as the sync call does.
            runner_for(team=team, query=query, user_id=request.user.id)
            require_cache()
        response = query_results(
            team=team,
            query=query,
            mode=mode,
            # An async job is named by the caller's id, else a fresh one (api.md §12).
            query_id=client_query_id or uuid.uuid4().hex,
            user_id=request.user.id,
        )
        if mode in QUEUEING_MODES and response.get("query_status"):
            require_cache()  # the cache failed during the call: the job's status cannot be tracked
        running = response.get("query_status") and not response["query_status"].get("complete")
        return Response(response, status=202 if running else 200)
