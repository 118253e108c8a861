"""Insight serializers: validate writes, render PostHog's full and basic shapes.

Result fields are computed by the view (``analytics.services.insight_results``) and handed
over in the ``results`` context; serializers never run queries, write or log.
"""

from __future__ import annotations

from typing import Any

import orjson
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import Insight, InsightViewed, RestrictionLevel
from analytics.serializers.compute_schemas import QueryStatusSerializer
from analytics.serializers.field_cache import CachedFieldsMixin
from analytics.serializers.fields import Int64Field
from analytics.serializers.query_nodes import validate_query_node
from analytics.serializers.users import UserBasicSerializer
from analytics.services.insight_access import (
    effective_privilege_level,
    effective_restriction_level,
    live_tiles,
    user_access_level,
)
from analytics.services.insight_results import with_dashboard_filters, with_dashboard_legacy_filters


class DashboardIdsField(serializers.ListField):
    """DEPRECATED in PostHog: ids of the dashboards showing the insight; writing replaces the set."""

    child = Int64Field()

    def get_attribute(self, instance: Insight) -> list[int]:
        return sorted(tile.dashboard_id for tile in live_tiles(instance))


class TagsField(serializers.ListField):
    child = serializers.CharField(max_length=255, allow_blank=True)

    def get_attribute(self, instance: Insight) -> list[str]:
        return sorted(tag.name for tag in instance.tags.all())


class DashboardTileBasicSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    dashboard_id = serializers.IntegerField(read_only=True)
    deleted = serializers.BooleanField(read_only=True, allow_null=True)


def _parse_json_text(value: Any) -> Any:
    # Form-encoded bodies carry JSON objects as text.
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


class InsightBasicSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """``?basic=true`` and ``my_last_viewed``: metadata only, no query is run."""

    # A Field, not a SerializerMethodField: InsightSerializer makes it writable.
    filters: serializers.Field = serializers.SerializerMethodField()
    dashboards = DashboardIdsField(read_only=True)
    dashboard_tiles = serializers.SerializerMethodField()
    tags = TagsField(read_only=True)
    created_by = UserBasicSerializer(read_only=True)
    user_access_level = serializers.SerializerMethodField()

    class Meta:
        model = Insight
        fields = [
            "id",
            "short_id",
            "name",
            "derived_name",
            "filters",
            "query",
            "dashboards",
            "dashboard_tiles",
            "description",
            "last_refresh",
            "refreshing",
            "saved",
            "tags",
            "updated_at",
            "created_by",
            "created_at",
            "last_modified_at",
            "favorited",
            "user_access_level",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_filters(self, insight: Insight) -> dict[str, Any]:
        # Seed-era behaviour: filters and query are echoed as stored (no upgrade of
        # filters to a query node in responses), so clients read back what they wrote.
        filters = dict(insight.filters or {})
        if insight.query is None:
            # An insight without a query is a trends insight unless it says otherwise.
            filters.setdefault("insight", "TRENDS")
        return filters

    @extend_schema_field(DashboardTileBasicSerializer(many=True))
    def get_dashboard_tiles(self, insight: Insight) -> Any:
        return DashboardTileBasicSerializer(live_tiles(insight), many=True).data

    @extend_schema_field(serializers.ChoiceField(choices=["none", "viewer", "editor", "manager"]))
    def get_user_access_level(self, insight: Insight) -> str:
        if self.context.get("sharing"):
            return "viewer"
        return user_access_level(
            user=self.context["request"].user,
            team=insight.team,
            resource_id=insight.id,
            creator_id=insight.created_by_id,
        )


LEVELS = serializers.ChoiceField(choices=RestrictionLevel.choices)
# Result fields are null until the insight has been computed (OpenAPI must say so for clients).
NULLABLE_DATETIME = serializers.DateTimeField(allow_null=True)


class InsightSerializer(InsightBasicSerializer):
    """The full insight: writable metadata, computed result fields and access levels.

    Context: ``request``, ``results`` (``{insight id: result fields}`` from
    ``insights_result_fields``), optional ``dashboard`` (``from_dashboard``) and ``sharing``
    (read through a sharing token).
    """

    filters = serializers.JSONField(required=False)
    query = serializers.JSONField(required=False, allow_null=True)
    dashboards = DashboardIdsField(required=False)
    tags = TagsField(required=False)
    last_refresh = serializers.SerializerMethodField()
    cache_target_age = serializers.SerializerMethodField()
    next_allowed_client_refresh = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    hasMore = serializers.SerializerMethodField()  # noqa: N815 - PostHog's field name
    columns = serializers.SerializerMethodField()
    last_modified_by = UserBasicSerializer(read_only=True)
    effective_restriction_level = serializers.SerializerMethodField()
    effective_privilege_level = serializers.SerializerMethodField()
    timezone = serializers.SerializerMethodField()
    is_cached = serializers.SerializerMethodField()
    query_status = serializers.SerializerMethodField()
    hogql = serializers.SerializerMethodField()
    types = serializers.SerializerMethodField()
    filters_hash = serializers.SerializerMethodField()
    last_viewed_at = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField()

    class Meta:
        model = Insight
        fields = [
            "id",
            "short_id",
            "name",
            "derived_name",
            "filters",
            "query",
            "order",
            "deleted",
            "dashboards",
            "dashboard_tiles",
            "last_refresh",
            "cache_target_age",
            "next_allowed_client_refresh",
            "result",
            "hasMore",
            "columns",
            "created_at",
            "created_by",
            "description",
            "updated_at",
            "tags",
            "favorited",
            "saved",
            "last_modified_at",
            "last_modified_by",
            "is_sample",
            "effective_restriction_level",
            "effective_privilege_level",
            "timezone",
            "is_cached",
            "query_status",
            "hogql",
            "types",
            "filters_hash",
            "user_access_level",
            "last_viewed_at",
            "alerts",
        ]
        read_only_fields = [
            "id",
            "short_id",
            "created_at",
            "created_by",
            "updated_at",
            "last_modified_at",
            "last_modified_by",
            "is_sample",
        ]
        extra_kwargs = {
            "name": {"allow_blank": True},
            "derived_name": {"allow_blank": True},
            "description": {"allow_blank": True},
        }

    def validate_filters(self, value: Any) -> dict[str, Any]:
        value = _parse_json_text(value)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError("Filters must be a JSON object.")
        return value

    def validate_query(self, value: Any) -> dict[str, Any] | None:
        value = _parse_json_text(value)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise serializers.ValidationError("Query must be a valid JSON object.")
        return value

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Checked before field validation so a nested error keeps its own path
        # (``query__source__kind``) instead of being wrapped under ``query`` again.
        if hasattr(data, "get"):
            query = _parse_json_text(data.get("query"))
            if isinstance(query, dict):
                validate_query_node(query)
        return super().to_internal_value(data)

    def _results(self, insight: Insight) -> dict[str, Any]:
        results = self.context.get("results")
        if results is None or insight.pk not in results:
            # A view that forgot to compute them: a bug, never a silent ``result: null``.
            raise RuntimeError(f"InsightSerializer got no result fields for insight {insight.pk}")
        return results[insight.pk]

    @extend_schema_field(NULLABLE_DATETIME)
    def get_last_refresh(self, insight: Insight) -> str | None:
        return self._results(insight)["last_refresh"]

    @extend_schema_field(NULLABLE_DATETIME)
    def get_cache_target_age(self, insight: Insight) -> str | None:
        return self._results(insight)["cache_target_age"]

    @extend_schema_field(NULLABLE_DATETIME)
    def get_next_allowed_client_refresh(self, insight: Insight) -> str | None:
        return self._results(insight)["next_allowed_client_refresh"]

    @extend_schema_field(OpenApiTypes.ANY)
    def get_result(self, insight: Insight) -> Any:
        return self._results(insight)["result"]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_hasMore(self, insight: Insight) -> bool | None:  # noqa: N802
        return self._results(insight)["hasMore"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_columns(self, insight: Insight) -> list[str] | None:
        return self._results(insight)["columns"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_timezone(self, insight: Insight) -> str | None:
        return self._results(insight)["timezone"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_cached(self, insight: Insight) -> bool:
        return self._results(insight)["is_cached"]

    @extend_schema_field(QueryStatusSerializer(allow_null=True, help_text="The async job, while one runs."))
    def get_query_status(self, insight: Insight) -> dict[str, Any] | None:
        return self._results(insight)["query_status"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_hogql(self, insight: Insight) -> str | None:
        return self._results(insight)["hogql"]

    @extend_schema_field(serializers.ListField(child=serializers.JSONField(), allow_null=True))
    def get_types(self, insight: Insight) -> list | None:
        return self._results(insight)["types"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_filters_hash(self, insight: Insight) -> str:
        return self._results(insight)["filters_hash"]

    @extend_schema_field(NULLABLE_DATETIME)
    def get_last_viewed_at(self, insight: Insight) -> str | None:
        """When the caller last opened this insight (``POST …/viewed/``); null on shared links."""
        if self.context.get("sharing"):
            return None
        views = self.context.get("last_viewed")
        if views is not None:
            moment = views.get(insight.pk)
        else:
            user = self.context["request"].user
            moment = (
                InsightViewed.objects.filter(insight_id=insight.pk, user_id=user.pk)
                .values_list("last_viewed_at", flat=True)
                .first()
            )
        return serializers.DateTimeField().to_representation(moment) if moment else None

    @extend_schema_field(serializers.ListField(child=serializers.JSONField()))
    def get_alerts(self, insight: Insight) -> list[dict[str, Any]]:
        """PostHog's alerts on this insight: this server has none, so always empty."""
        return []

    @extend_schema_field(LEVELS)
    def get_effective_restriction_level(self, insight: Insight) -> int:
        if self.context.get("sharing"):
            return RestrictionLevel.ONLY_COLLABORATORS_CAN_EDIT
        return effective_restriction_level(insight)

    @extend_schema_field(LEVELS)
    def get_effective_privilege_level(self, insight: Insight) -> int:
        if self.context.get("sharing"):
            return RestrictionLevel.EVERYONE_IN_PROJECT_CAN_EDIT
        return effective_privilege_level(insight=insight, user=self.context["request"].user)

    def to_representation(self, insight: Insight) -> dict[str, Any]:
        data = super().to_representation(insight)
        data["filters"] = self.get_filters(insight)
        dashboard = self.context.get("dashboard")
        if dashboard is not None:
            tile = next((t for t in live_tiles(insight) if t.dashboard_id == dashboard.id), None)
            if tile is not None:
                # The insight as the dashboard shows it: its date range and properties applied.
                if insight.query:
                    data["query"] = with_dashboard_filters(insight.query, dashboard.filters or {})
                else:
                    data["filters"] = with_dashboard_legacy_filters(data["filters"], dashboard.filters or {})
                data["color"] = tile.color
                data["layouts"] = tile.layouts
        return data
