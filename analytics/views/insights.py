"""``/api/projects/:team_id/insights/`` and ``/api/environments/:team_id/insights/``.

Thin: validation in serializers, side effects in ``analytics.services``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.db.models import F, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from access_control.authentication import (
    PersonalAPIKeyAuthentication,
    SessionAuthentication,
    personal_api_key,
)
from access_control.views import TeamScopedMixin
from analytics.models import Insight, InsightViewed
from analytics.renderers import FlatCSVRenderer
from analytics.response_cache.stored import HintedResponse, StoreHint
from analytics.serializers.insights import InsightBasicSerializer, InsightSerializer
from analytics.services.insight_access import at_least, hidden_insight_ids, live_tiles, user_access_level
from analytics.services.insight_results import (
    insights_result_fields,
    parse_filters_override,
    refuse_variables_override,
)
from analytics.services.insights import create_insight, find_insight, update_insight
from analytics.views.insight_actions import InsightActionsMixin
from analytics.views.insight_filters import InsightFilterSet, truthy
from analytics.views.sharing_auth import (
    SharingAccessTokenAuthentication,
    SharingTokenPermission,
    shared_refresh_mode,
    sharing_config,
)
from analytics.views.team_resources import SoftDeleteMixin
from query_engine.refresh.modes import ExecutionMode, parse_refresh
from tenancy.models import Team

REFRESH_PARAM = OpenApiParameter(
    "refresh",
    str,
    enum=[mode.value for mode in ExecutionMode],
    default=ExecutionMode.FORCE_CACHE.value,
    description="How to get results: from cache only (default), computing when stale, or in the background.",
)
FORMAT_PARAM = OpenApiParameter("format", str, enum=["csv", "json"])
LIST_PARAMS = [
    REFRESH_PARAM,
    FORMAT_PARAM,
    OpenApiParameter("basic", bool, description="Metadata only; no query is run."),
    OpenApiParameter("created_by", OpenApiTypes.STR, description="A user id or a JSON array of user ids."),
    OpenApiParameter("short_id", str),
]


# User columns the response never shows (UserBasicSerializer): not selected on retrieve.
USER_UNSHOWN = ("password", "last_login", "is_superuser", "username", "is_staff", "is_active", "date_joined")


@extend_schema_view(
    list=extend_schema(parameters=LIST_PARAMS),
    retrieve=extend_schema(
        parameters=[REFRESH_PARAM, FORMAT_PARAM, OpenApiParameter("from_dashboard", int)],
    ),
    destroy=extend_schema(description="Always 405: delete with PATCH deleted=true.", responses={405: None}),
)
class InsightViewSet(
    SoftDeleteMixin,
    TeamScopedMixin,
    InsightActionsMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Saved insights of one team: CRUD with soft delete, results from the query cache."""

    scope_object = "insight"
    throttle_scope = "insights"
    serializer_class = InsightSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InsightFilterSet
    renderer_classes = [JSONRenderer, FlatCSVRenderer]
    authentication_classes = [
        PersonalAPIKeyAuthentication,
        SessionAuthentication,
        SharingAccessTokenAuthentication,
    ]
    lookup_value_regex = r"[^/.]+"

    def get_permissions(self):
        if sharing_config(self.request) is not None:
            return [SharingTokenPermission()]
        return super().get_permissions()

    @cached_property
    def team(self) -> Team:
        config = sharing_config(self.request)
        if config is not None:
            return config.team
        return super().team

    def get_queryset(self) -> QuerySet[Insight]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no team
            return Insight.objects.none()
        queryset = Insight.objects.filter(team=self.team).select_related(
            "team", "team__organization", "created_by", "last_modified_by"
        )
        queryset = queryset.prefetch_related("tags", "dashboard_tiles__dashboard__team")
        config = sharing_config(self.request)
        if config is not None:
            return queryset.filter(id=config.insight_id, deleted=False)
        if not self._restoring():
            queryset = queryset.filter(deleted=False)
        if self.action == "list":
            queryset = queryset.exclude(id__in=hidden_insight_ids(user=self.request.user, team=self.team))
        return queryset.order_by(F("order").asc(nulls_last=True), "id")

    def _restoring(self) -> bool:
        if self.action not in ("partial_update", "update"):
            return False
        data = self.request.data
        return isinstance(data, dict) and data.get("deleted") in (False, "false", "False")

    def get_object(self) -> Insight:
        lookup = str(self.kwargs[self.lookup_field])
        # One row by key: the list ordering and the team join cost query compilation
        # time on every retrieve and change nothing here (the team is already resolved).
        queryset = self.get_queryset().order_by().select_related(None)
        queryset = queryset.select_related("created_by", "last_modified_by").defer(
            *(f"{user}__{field}" for user in ("created_by", "last_modified_by") for field in USER_UNSHOWN)
        )
        insight = find_insight(queryset, lookup)
        if insight is None:
            raise NotFound()
        insight.team = self.team
        self._check_access(insight)
        return insight

    def _check_access(self, insight: Insight, required: str | None = None) -> None:
        """The caller's access level on this insight reaches ``required`` (default: by HTTP method)."""
        if sharing_config(self.request) is not None:
            return
        if required is None:
            required = "viewer" if self.request.method in ("GET", "HEAD", "OPTIONS") else "editor"
        level = user_access_level(
            user=self.request.user, team=self.team, resource_id=insight.id, creator_id=insight.created_by_id
        )
        if not at_least(level, required):
            raise PermissionDenied(f"You do not have {required} access to this resource.")

    def get_serializer_class(self):
        if self.action in ("list", "retrieve") and truthy(self.request.query_params.get("basic")):
            return InsightBasicSerializer
        return super().get_serializer_class()

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        raw_refresh = self.request.query_params.get("refresh")
        mode = (
            parse_refresh(raw_refresh) if self.action in ("list", "retrieve") else ExecutionMode.FORCE_CACHE
        )
        if sharing_config(self.request) is not None:
            mode = shared_refresh_mode(mode)
            context["sharing"] = True
        context["mode"] = mode
        context["refresh_requested"] = bool(raw_refresh)
        return context

    def _add_results(self, context: dict[str, Any], insights: list[Insight]) -> dict[str, Any]:
        """The result fields ``InsightSerializer`` renders, computed here (``insight_results``)."""
        context["results"] = insights_result_fields(
            insights,
            mode=context["mode"],
            refresh_requested=context["refresh_requested"],
            dashboard=context.get("dashboard"),
            sharing=context.get("sharing", False),
            filters_override=context.get("filters_override"),
        )
        user = self.request.user
        if not context.get("sharing") and user.is_authenticated:
            # The caller's last views of these insights, one query for the page.
            context["last_viewed"] = dict(
                InsightViewed.objects.filter(
                    team=self.team, user_id=user.pk, insight_id__in=[insight.pk for insight in insights]
                ).values_list("insight_id", "last_viewed_at")
            )
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        insights = list(page if page is not None else queryset)
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        if issubclass(serializer_class, InsightSerializer):
            self._add_results(context, insights)
        data = serializer_class(insights, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        insight = self.get_object()
        context = self.get_serializer_context()
        dashboard_id = request.query_params.get("from_dashboard")
        if dashboard_id and str(dashboard_id).isdigit():
            tile = next((t for t in live_tiles(insight) if t.dashboard_id == int(dashboard_id)), None)
            if tile is not None:
                context["dashboard"] = tile.dashboard  # prefetched with the tiles
        if not context.get("sharing"):  # a shared link ignores overrides, as PostHog's does
            context["filters_override"] = parse_filters_override(request.query_params.get("filters_override"))
            refuse_variables_override(request.query_params.get("variables_override"))
        serializer_class = self.get_serializer_class()
        if issubclass(serializer_class, InsightSerializer):
            self._add_results(context, [insight])
        data = serializer_class(insight, context=context).data
        return HintedResponse(data, store_hint=self._store_hint(data, context))

    def _store_hint(self, data: dict[str, Any], context: dict[str, Any]) -> StoreHint | None:
        """May the response middleware serve this response again (see ``analytics.response_cache``)?"""
        if context["mode"] != ExecutionMode.FORCE_CACHE or context.get("sharing"):
            return None
        if personal_api_key(self.request) is None or data.get("query_status") is not None:
            return None  # a running job's status changes without any write the store sees
        return StoreHint(
            organization_id=str(self.team.organization_id),
            results_key=data.get("filters_hash"),
            results_present=data.get("last_refresh") is not None,
        )

    def perform_create(self, serializer: BaseSerializer[Insight]) -> None:
        insight = create_insight(team=self.team, user=self.request.user, data=serializer.validated_data)
        serializer.instance = insight
        # DRF's ``context`` is the serializer's own dict, typed read-only by the stubs.
        self._add_results(cast(dict[str, Any], serializer.context), [insight])

    def perform_update(self, serializer: BaseSerializer[Insight]) -> None:
        updated = update_insight(
            insight=cast(Insight, serializer.instance), user=self.request.user, data=serializer.validated_data
        )
        # Fresh relations for the response (tiles and tags may have changed).
        fresh = Insight.objects.select_related("team", "created_by", "last_modified_by")
        fresh = fresh.prefetch_related("tags", "dashboard_tiles__dashboard__team")
        insight = fresh.get(pk=updated.pk)
        serializer.instance = insight
        self._add_results(cast(dict[str, Any], serializer.context), [insight])
