"""What every legacy compute route (``insights/trend|funnel|retention|path/``) shares (api.md §10).

GET reads the filter dict from the query string (list/dict values as JSON text),
POST from the JSON body merged over it. Subclasses turn the filters into a query
node; it runs through ``query_results`` in a blocking mode (``refresh=true``
recomputes, anything else serves a fresh cached answer or computes one) and the
answer goes out in the legacy envelope.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.views import TeamScopedMixin
from analytics.renderers import FlatCSVRenderer
from analytics.services.team_context import team_context
from insights_api.errors import QueryError
from query_engine.legacy.trends import truthy
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results


def request_filters(request: Request) -> dict[str, Any]:
    filters: dict[str, Any] = {k: v for k, v in request.query_params.items() if k != "format"}
    if request.method == "POST" and isinstance(request.data, dict):
        filters.update(request.data)
    return filters


class LegacyComputeView(TeamScopedMixin, APIView, metaclass=ABCMeta):
    scope_object = "insight"
    required_scopes = ["insight:read"]
    throttle_scope = "clickhouse"
    # ``?format=csv``: the envelope flattened to one row, as PostHog's plain CSV renderer does (api.md §11).
    renderer_classes = [JSONRenderer, FlatCSVRenderer]

    @abstractmethod
    def query(self, filters: dict[str, Any]) -> dict[str, Any]:
        """The query node the filters describe."""

    def legacy_attr(self, attr: str | None) -> str | None:
        """A 400's field named as the client sent it (the node's name by default)."""
        return attr

    def shape(self, results: Any, filters: dict[str, Any]) -> Any:
        return results

    def respond(self, body: dict[str, Any], filters: dict[str, Any]) -> Response:
        return Response(body)

    def compute(self, request: Request) -> Response:
        filters = request_filters(request)
        mode = ExecutionMode.FORCE_BLOCKING if truthy(filters.get("refresh")) else ExecutionMode.BLOCKING
        try:
            response = query_results(team=team_context(self.team), query=self.query(filters), mode=mode)
        except QueryError as exc:
            exc.attr = self.legacy_attr(exc.attr)
            raise
        body = {
            "result": self.shape(response.get("results"), filters),
            "timezone": self.team.timezone,
            "last_refresh": response.get("last_refresh"),
            "is_cached": bool(response.get("is_cached")),
            "timings": response.get("timings") or [],
            "next": None,
        }
        return self.respond(body, filters)

    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.compute(request)

    def post(self, request: Request, **kwargs: Any) -> Response:
        return self.compute(request)
