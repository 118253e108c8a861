"""The insight viewset's extra actions: activity, views, sharing, access controls, telemetry."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.models import ActivityLog, Insight
from analytics.pagination import ActivityPagination
from analytics.serializers.access import (
    AccessControlSerializer,
    AccessControlsResponseSerializer,
    AccessControlWriteSerializer,
)
from analytics.serializers.activity import ActivityLogSerializer, ActivityPageSerializer
from analytics.serializers.fields import Int64Field
from analytics.serializers.insights import InsightBasicSerializer
from analytics.serializers.sharing import SharingConfigurationSerializer
from analytics.services.access_controls import access_controls_summary, set_access_control
from analytics.services.insights import SCOPE, find_insight, last_viewed, record_views
from analytics.services.sharing import KEEP, rotate_access_token, set_sharing, sharing_configuration
from query_engine.refresh import jobs

logger = logging.getLogger(__name__)
READ = "insight:read"
ACTIVITY_PARAMS = [OpenApiParameter("limit", int), OpenApiParameter("page", int)]
MAX_BULK_VIEWS = 2500


class _ViewedBulkSerializer(serializers.Serializer):
    insight_ids = serializers.ListField(child=Int64Field(), min_length=1, max_length=MAX_BULK_VIEWS)


class _CancelSerializer(serializers.Serializer):
    client_query_id = serializers.CharField(max_length=200)


if TYPE_CHECKING:
    from rest_framework.viewsets import GenericViewSet

    from tenancy.models import Team

    class _InsightViewBase(GenericViewSet):
        """What ``InsightViewSet`` (with ``TeamScopedMixin``) gives the mixin."""

        @property
        def team(self) -> Team: ...

        def _check_access(self, insight: Insight, required: str | None = None) -> None: ...

else:
    _InsightViewBase = object


class InsightActionsMixin(_InsightViewBase):
    """The insight viewset's extra actions."""

    def _insight_for_action(
        self, *, required: str, include_deleted: bool = False, message: str = "Not found."
    ) -> Insight:
        """The insight of a detail action, if the caller has ``required`` access to it."""
        insights = Insight.objects.filter(team=self.team).select_related("team")
        if not include_deleted:
            insights = insights.filter(deleted=False)
        insight = find_insight(insights, str(self.kwargs["pk"]))
        if insight is None:
            raise NotFound(message)
        self._check_access(insight, required)
        return insight

    def _activity_page(self, request: Request, entries) -> Response:
        paginator = ActivityPagination()
        page: list[ActivityLog] | None = paginator.paginate_queryset(
            entries.select_related("user"), request, view=self
        )
        return paginator.get_paginated_response(ActivityLogSerializer(page, many=True).data)

    @extend_schema(parameters=ACTIVITY_PARAMS, responses=ActivityPageSerializer)
    @action(detail=False, methods=["get"], url_path="activity", required_scopes=["activity_log:read"])
    def all_activity(self, request: Request, **kwargs: Any) -> Response:
        """Activity of every insight of the project, newest first."""
        entries = ActivityLog.objects.filter(team=self.team, scope=SCOPE).order_by("-created_at", "-id")
        return self._activity_page(request, entries)

    @extend_schema(parameters=ACTIVITY_PARAMS, responses=ActivityPageSerializer)
    @action(detail=True, methods=["get"], url_path="activity", required_scopes=["activity_log:read"])
    def activity(self, request: Request, **kwargs: Any) -> Response:
        """Activity of one insight (deleted ones included), newest first."""
        insight = self._insight_for_action(required="viewer", include_deleted=True)
        entries = ActivityLog.objects.filter(team=self.team, scope=SCOPE, item_id=str(insight.id))
        return self._activity_page(request, entries.order_by("-created_at", "-id"))

    @extend_schema(request=None, responses={201: None})
    @action(detail=True, methods=["post"], url_path="viewed", required_scopes=[READ])
    def viewed(self, request: Request, **kwargs: Any) -> Response:
        """Record that the caller opened this insight."""
        insight = self._insight_for_action(required="viewer")
        record_views(team=self.team, user=request.user, insight_ids=[insight.id])
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=_ViewedBulkSerializer, responses={201: None})
    @action(detail=False, methods=["post"], url_path="viewed", url_name="bulk-viewed", required_scopes=[READ])
    def bulk_viewed(self, request: Request, **kwargs: Any) -> Response:
        """Record views of several insights; ids of other projects or deleted insights are ignored."""
        body = _ViewedBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record_views(team=self.team, user=request.user, insight_ids=body.validated_data["insight_ids"])
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(responses=InsightBasicSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="my_last_viewed",
        required_scopes=[READ],
        pagination_class=None,
    )
    def my_last_viewed(self, request: Request, **kwargs: Any) -> Response:
        """The caller's last 5 distinct viewed insights in this project, most recent first."""
        insights = last_viewed(team=self.team, user=request.user)
        context = self.get_serializer_context()
        return Response(InsightBasicSerializer(insights, many=True, context=context).data)

    @extend_schema(methods=["GET"], responses=SharingConfigurationSerializer)
    @extend_schema(
        methods=["PATCH"], request=SharingConfigurationSerializer, responses=SharingConfigurationSerializer
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path="sharing",
        required_scopes={"GET": ["sharing_configuration:read"], "PATCH": ["sharing_configuration:write"]},
    )
    def sharing(self, request: Request, **kwargs: Any) -> Response:
        """The insight's public link; PATCH ``{"enabled": bool, "settings": {...}}`` changes it."""
        required = "viewer" if request.method == "GET" else "editor"
        insight = self._insight_for_action(required=required, message="Insight not found.")
        if request.method == "GET":
            return Response(SharingConfigurationSerializer(sharing_configuration(insight=insight)).data)
        body = SharingConfigurationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        config = set_sharing(
            insight=insight,
            user=request.user,
            enabled=data.get("enabled"),
            settings=data.get("settings", KEEP),
        )
        return Response(SharingConfigurationSerializer(config).data)

    @extend_schema(request=None, responses=SharingConfigurationSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="sharing/refresh",
        required_scopes=["sharing_configuration:write"],
    )
    def sharing_refresh(self, request: Request, **kwargs: Any) -> Response:
        """A new access token; the old one stops working at once."""
        insight = self._insight_for_action(required="editor", message="Insight not found.")
        config = rotate_access_token(insight=insight, user=request.user)
        return Response(SharingConfigurationSerializer(config).data)

    @extend_schema(methods=["GET"], responses=AccessControlsResponseSerializer)
    @extend_schema(
        methods=["PUT"],
        request=AccessControlWriteSerializer,
        responses={200: AccessControlSerializer, 204: None},
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="access_controls",
        required_scopes={"GET": ["access_control:read"], "PUT": ["access_control:write"]},
    )
    def access_controls(self, request: Request, **kwargs: Any) -> Response:
        """Who may view, edit or manage this insight (changing them takes a manager: the service checks)."""
        insight = self._insight_for_action(required="viewer")
        if request.method == "GET":
            summary = access_controls_summary(insight=insight, user=request.user)
            return Response(AccessControlsResponseSerializer(summary).data)
        body = AccessControlWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = set_access_control(
            insight=insight,
            user=request.user,
            access_level=body.validated_data["access_level"],
            organization_member=body.validated_data.get("organization_member"),
        )
        if rule is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(AccessControlSerializer(rule).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: None})
    @action(detail=False, methods=["post"], url_path="timing", required_scopes=[READ])
    def timing(self, request: Request, **kwargs: Any) -> Response:
        """Client-side timing report; accepted as is and written to the log."""
        if not isinstance(request.data, dict):
            raise ValidationError("The timing report must be a JSON object.")
        logger.info("insight timing team=%s report=%s", self.team.id, dict(request.data))
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=_CancelSerializer, responses={201: None})
    @action(detail=False, methods=["post"], url_path="cancel", required_scopes=[READ])
    def cancel(self, request: Request, **kwargs: Any) -> Response:
        """Stop the running query tagged with ``client_query_id``."""
        body = _CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # The project's own job under that id, never a bare KILL QUERY on the client's id
        # (another project's statement could carry it).
        jobs.cancel(team_id=self.team.id, query_id=body.validated_data["client_query_id"])
        return Response(status=status.HTTP_201_CREATED)
