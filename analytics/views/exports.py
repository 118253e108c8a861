"""``/api/projects/:id/exports/``: PostHog's exported assets (CSV of an insight or a query).

``POST`` starts the export as an async job and answers within ``EXPORT_WAIT_SECONDS``
(``has_content`` true once the CSV is written); ``GET /exports/:id/`` reports it;
``GET /exports/:id/content/`` downloads it (409 with ``Retry-After`` while it is computing,
``?download=true`` as an attachment). Scopes ``export:read`` / ``export:write``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from analytics.models import ExportedAsset
from analytics.serializers.exports import ExportedAssetSerializer
from analytics.services.exports import finish, start_export
from analytics.services.insight_access import at_least, user_access_level
from analytics.views.team_resources import TeamSerializerContextMixin

RETRY_AFTER_SECONDS = 5


class ExportedAssetViewSet(
    TeamSerializerContextMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    scope_object = "export"
    serializer_class = ExportedAssetSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ExportedAsset]:
        if getattr(self, "swagger_fake_view", False):
            return ExportedAsset.objects.none()
        queryset = ExportedAsset.objects.filter(team=self.team).select_related("team", "insight")
        if self.action == "list":  # the caller's own exports, not expired, newest first
            queryset = queryset.filter(created_by_id=self.request.user.id, expires_after__gt=timezone.now())
        return queryset.order_by("-created_at", "-id")

    def get_object(self) -> ExportedAsset:
        return finish(super().get_object())

    def perform_create(self, serializer: BaseSerializer[ExportedAsset]) -> None:
        data = serializer.validated_data
        insight = data.get("insight")
        if insight is not None:
            level = user_access_level(
                user=self.request.user,
                team=self.team,
                resource_id=insight.id,
                creator_id=insight.created_by_id,
            )
            if not at_least(level, "viewer"):
                raise PermissionDenied("You do not have viewer access to this insight.")
        serializer.instance = start_export(
            team=self.team,
            user=self.request.user,
            insight=insight,
            export_format=data["export_format"],
            export_context=data.get("export_context"),
        )

    @extend_schema(
        parameters=[OpenApiParameter("download", OpenApiTypes.BOOL, description="As an attachment.")],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            409: OpenApiResponse(description="Still computing: retry after Retry-After seconds."),
        },
    )
    @action(detail=True, methods=["get"], required_scopes=["export:read"])
    def content(self, request: Request, **kwargs: Any) -> HttpResponse:
        asset = self.get_object()
        if asset.exception is not None:
            raise ValidationError({"exception": asset.exception}, code="export_failed")
        if asset.content is None:
            response = Response(
                {
                    "type": "validation_error",
                    "code": "export_not_ready",
                    "detail": "The export is still being computed; retry shortly.",
                    "attr": None,
                },
                status=status.HTTP_409_CONFLICT,
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            response["Location"] = request.build_absolute_uri()
            return response
        out = HttpResponse(bytes(asset.content), content_type=f"{asset.export_format}; charset=utf-8")
        if str(request.query_params.get("download", "")).lower() in ("true", "1"):
            out["Content-Disposition"] = f'attachment; filename="{asset.filename}"'
        return out
