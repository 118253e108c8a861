"""``/api/projects/:team_id/dashboards/`` (and ``/api/environments/``): CRUD with soft delete.

Retrieving a dashboard computes each insight tile through the insight refresh modes
(``?refresh=``), with the dashboard's ``filters`` applied as PostHog's ``from_dashboard``.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from access_control.views import TeamScopedMixin
from analytics.models import Dashboard, DashboardTile, Insight
from analytics.models.dashboards import Text
from analytics.serializers.dashboards import DashboardSerializer, tile_representation
from analytics.serializers.insights import InsightSerializer
from analytics.services.insight_access import can_edit_dashboard, hidden_insight_ids
from analytics.services.insight_results import insights_result_fields
from analytics.views.insights import REFRESH_PARAM
from analytics.views.team_resources import SoftDeleteMixin
from query_engine.refresh.modes import ExecutionMode, parse_refresh
from tenancy.models import User


@extend_schema_view(
    retrieve=extend_schema(parameters=[REFRESH_PARAM]),
    destroy=extend_schema(description="Always 405: delete with PATCH deleted=true.", responses={405: None}),
)
class DashboardViewSet(
    SoftDeleteMixin,
    TeamScopedMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Dashboards of one team; tiles are the team's insights, or texts, shown on them."""

    scope_object = "dashboard"
    serializer_class = DashboardSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Dashboard]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no team
            return Dashboard.objects.none()
        queryset = Dashboard.objects.filter(team=self.team).select_related("team", "created_by")
        if not self._restoring():
            queryset = queryset.filter(deleted=False)
        return queryset.order_by("name", "id")

    def _restoring(self) -> bool:
        if self.action not in ("partial_update", "update"):
            return False
        data = self.request.data
        return isinstance(data, dict) and data.get("deleted") in (False, "false", "False")

    def _tiles(
        self, dashboard: Dashboard, mode: ExecutionMode, refresh_requested: bool
    ) -> list[dict[str, Any]]:
        insights = Insight.objects.select_related("team", "created_by", "last_modified_by").prefetch_related(
            "tags", "dashboard_tiles__dashboard__team"
        )
        queryset = (
            DashboardTile.objects.filter(dashboard=dashboard)
            .filter(Q(insight__isnull=True, text__isnull=False) | Q(insight__deleted=False))
            .exclude(deleted=True)
            .exclude(insight_id__in=hidden_insight_ids(user=self.request.user, team=self.team))
            .select_related("text__created_by", "text__last_modified_by")
            .prefetch_related(Prefetch("insight", queryset=insights))
            .order_by("id")
        )
        tiles = list(queryset)
        insights_shown = [tile.insight for tile in tiles if tile.insight is not None]
        for insight in insights_shown:
            insight.team = self.team
        errors: dict[int, dict[str, Any]] = {}
        results = insights_result_fields(
            insights_shown,
            mode=mode,
            refresh_requested=refresh_requested,
            dashboard=dashboard,
            errors=errors,
        )
        context = {
            "request": self.request,
            "view": self,
            "mode": mode,
            "refresh_requested": refresh_requested,
            "results": results,
            "dashboard": dashboard,
        }
        return [
            tile_representation(
                tile,
                cast(dict[str, Any], InsightSerializer(tile.insight, context=context).data)
                if tile.insight is not None
                else None,
                error=errors.get(tile.insight.pk) if tile.insight is not None else None,
            )
            for tile in tiles
        ]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        dashboard = self.get_object()
        raw_refresh = request.query_params.get("refresh")
        context = dict(self.get_serializer_context())
        context["tiles"] = self._tiles(dashboard, parse_refresh(raw_refresh), bool(raw_refresh))
        return Response(DashboardSerializer(dashboard, context=context).data)

    def perform_create(self, serializer: BaseSerializer[Dashboard]) -> None:
        data = dict(serializer.validated_data)
        if data.pop("tiles", None):
            raise serializers.ValidationError({"tiles": "A new dashboard has no tiles to change."})
        serializer.instance = Dashboard.objects.create(
            team=self.team, created_by=cast(User, self.request.user), **data
        )

    def _response_after_write(self, dashboard: Dashboard, status_code: int) -> Response:
        context = dict(self.get_serializer_context())
        context["tiles"] = self._tiles(dashboard, ExecutionMode.FORCE_CACHE, False)
        return Response(DashboardSerializer(dashboard, context=context).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self._response_after_write(cast(Dashboard, serializer.instance), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        dashboard = self.get_object()
        if not can_edit_dashboard(dashboard=dashboard, user=request.user):
            raise PermissionDenied("You don't have edit permissions for this dashboard.")
        serializer = self.get_serializer(dashboard, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tile_changes = data.pop("tiles", None) or []
        with transaction.atomic():
            self._change_tiles(dashboard, tile_changes)
            for name, value in data.items():
                setattr(dashboard, name, value)
            dashboard.save()
        return self._response_after_write(dashboard, status.HTTP_200_OK)

    def _change_tiles(self, dashboard: Dashboard, changes: list[dict[str, Any]]) -> None:
        if not changes:
            return
        tiles = {
            tile.id: tile for tile in DashboardTile.objects.filter(dashboard=dashboard).select_related("text")
        }
        missing = [change["id"] for change in changes if "id" in change and change["id"] not in tiles]
        if missing:
            raise serializers.ValidationError({"tiles": f"No tile {missing[0]} on this dashboard."})
        user = cast(User, self.request.user)
        for change in changes:
            if "id" not in change:
                # A new text tile (PostHog adds text tiles through the dashboard's tiles).
                text = Text.objects.create(
                    team=self.team, body=change["text"]["body"], created_by=user, last_modified_by=user
                )
                tile = DashboardTile(dashboard=dashboard, text=text)
            else:
                tile = tiles[change["id"]]
            if "text" in change and "id" in change:
                if tile.text is None:
                    raise serializers.ValidationError(
                        {"tiles": f"Tile {tile.id} shows an insight, not text."}
                    )
                tile.text.body = change["text"]["body"]
                tile.text.last_modified_by = user
                tile.text.save()
            for name in ("layouts", "color", "deleted"):
                if name in change:
                    setattr(tile, name, change[name])
            tile.save()
