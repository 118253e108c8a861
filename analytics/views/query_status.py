"""Polling and cancelling async queries: ``GET``/``DELETE /api/projects/:id/query/:query_id/``."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.views import TeamScopedMixin
from analytics.serializers.compute_schemas import QueryStatusResponseSerializer
from query_engine.refresh import jobs
from query_engine.refresh import status as status_store
from query_engine.refresh.progress import with_running_statement

TRUE = {"true", "1", "yes"}


def _flag(request: Request, *names: str) -> bool:
    return any(str(request.query_params.get(name, "")).lower() in TRUE for name in names)


def _http_status(record: status_store.QueryStatus) -> int:
    if not record.complete:
        return status.HTTP_202_ACCEPTED
    if not record.error:
        return status.HTTP_200_OK
    return status.HTTP_400_BAD_REQUEST if record.error_message else status.HTTP_500_INTERNAL_SERVER_ERROR


class QueryStatusView(TeamScopedMixin, APIView):
    """202 while running, 200 done, 400 failed with a message, 500 failed without; 404 unknown."""

    scope_object = "query"
    required_scopes = ["query:read"]
    throttle_scope = "query_status"

    def _record(self, query_id: str) -> status_store.QueryStatus:
        record = status_store.get(self.team.id, query_id)
        if record is None:
            raise NotFound("Query not found. It may never have been queued, or its status expired.")
        return record

    @extend_schema(
        parameters=[OpenApiParameter("show_progress", OpenApiTypes.BOOL, description="Add query_progress.")],
        responses={
            200: QueryStatusResponseSerializer,
            202: QueryStatusResponseSerializer,
            # A finished job that failed, as PostHog answers it: its status, with the message
            # (400) or without one (500, an internal error).
            400: QueryStatusResponseSerializer,
            500: QueryStatusResponseSerializer,
        },
    )
    def get(self, request: Request, **kwargs: str) -> Response:
        query_id = kwargs["id"]  # PostHog's name for the path's query id
        record = self._record(query_id)
        progress = None
        if _flag(request, "show_progress", "showProgress") and record.running:
            stored = status_store.progress(self.team.id, query_id)
            progress = with_running_statement(record.statement_id, stored, record.pickup_time)
        return Response({"query_status": record.public(progress=progress)}, status=_http_status(record))

    @extend_schema(
        parameters=[OpenApiParameter("dequeue_only", OpenApiTypes.BOOL, description="Only revoke the task.")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def delete(self, request: Request, **kwargs: str) -> Response:
        outcome = jobs.cancel(
            team_id=self.team.id, query_id=kwargs["id"], dequeue_only=_flag(request, "dequeue_only")
        )
        return Response({"message": outcome.value})
