"""Dashboards and their tiles as PostHog's dashboard API shows them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.models import Dashboard, DashboardTile, RestrictionLevel
from analytics.serializers.fields import Int64Field
from analytics.serializers.insights import InsightSerializer
from analytics.serializers.users import UserBasicSerializer
from analytics.services.insight_access import can_edit_dashboard

# Dashboard-level filters this project applies to tiles (``with_dashboard_filters``).
DASHBOARD_FILTER_KEYS = frozenset({"date_from", "date_to", "properties"})
# PostHog request fields this project does not implement: refused, never silently dropped.
REFUSED_FIELDS = (
    "pinned",
    "tags",
    "use_template",
    "use_dashboard",
    "duplicate_tiles",
    "delete_insights",
    "variables",
    "breakdown_colors",
    "data_color_theme_id",
)


class TextSerializer(serializers.Serializer):
    """A text tile's content: ``{"body": "markdown"}``."""

    body = serializers.CharField(max_length=4000, allow_blank=True, trim_whitespace=False)


class DashboardTileUpdateSerializer(serializers.Serializer):
    """One entry of ``tiles`` in a PATCH: an existing tile's layout, colour or removal."""

    id = Int64Field()
    layouts = serializers.JSONField(required=False)
    color = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=400)
    deleted = serializers.BooleanField(required=False)
    # A text tile's new body; without ``id``, a new text tile (``id`` is made optional below).
    text = TextSerializer(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id"].required = False

    def validate_layouts(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object.")
        return value

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            for name in ("insight", "filters_overrides"):
                if name in data:
                    raise serializers.ValidationError({name: "Changing this tile field is not supported."})
        value = super().to_internal_value(data)
        # A PATCH is partial all the way down, so the body's presence is checked here.
        if "text" in value and "body" not in value["text"]:
            raise serializers.ValidationError({"text": {"body": "This field is required."}})
        if "id" not in value and "text" not in value:
            raise serializers.ValidationError(
                {"id": "Name the tile to change, or give text for a new text tile."}
            )
        return value


class DashboardSerializer(serializers.ModelSerializer):
    """Dashboard fields; ``tiles`` are rendered by the view (null in lists, as PostHog)."""

    created_by = UserBasicSerializer(read_only=True)
    filters = serializers.JSONField(required=False)
    tiles = DashboardTileUpdateSerializer(many=True, required=False, write_only=True)
    is_shared = serializers.SerializerMethodField()
    effective_restriction_level = serializers.SerializerMethodField()
    effective_privilege_level = serializers.SerializerMethodField()

    class Meta:
        model = Dashboard
        fields = [
            "id",
            "name",
            "description",
            "created_at",
            "created_by",
            "is_shared",
            "deleted",
            "filters",
            "restriction_level",
            "effective_restriction_level",
            "effective_privilege_level",
            "tiles",
        ]
        read_only_fields = ["id", "created_at", "created_by"]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            for name in REFUSED_FIELDS:
                if name in data:
                    raise serializers.ValidationError({name: "This field is not supported by this server."})
        return super().to_internal_value(data)

    def validate_filters(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object.")
        unknown = sorted(set(value) - DASHBOARD_FILTER_KEYS)
        if unknown:
            raise serializers.ValidationError(
                f"Unsupported dashboard filter: {', '.join(unknown)}. "
                "Supported: date_from, date_to, properties."
            )
        for key in ("date_from", "date_to"):
            if value.get(key) is not None and not isinstance(value[key], str):
                raise serializers.ValidationError(f"{key} must be a string.")
        properties = value.get("properties")
        if properties is not None and not isinstance(properties, list):
            raise serializers.ValidationError("properties must be a list of property filters.")
        return value

    def get_is_shared(self, dashboard: Dashboard) -> bool:
        return False

    def get_effective_restriction_level(self, dashboard: Dashboard) -> int:
        return dashboard.restriction_level

    def get_effective_privilege_level(self, dashboard: Dashboard) -> int:
        user = self.context["request"].user
        if can_edit_dashboard(dashboard=dashboard, user=user):
            return RestrictionLevel.ONLY_COLLABORATORS_CAN_EDIT
        return RestrictionLevel.EVERYONE_IN_PROJECT_CAN_EDIT

    def to_representation(self, dashboard: Dashboard) -> dict[str, Any]:
        data = super().to_representation(dashboard)
        data["tiles"] = self.context.get("tiles")
        return data


def text_representation(tile: DashboardTile) -> dict[str, Any] | None:
    """A text tile's ``text`` as PostHog shows it; None for an insight tile."""
    text = tile.text
    if text is None:
        return None
    return {
        "id": text.id,
        "body": text.body,
        "created_by": UserBasicSerializer(text.created_by).data if text.created_by else None,
        "last_modified_at": serializers.DateTimeField().to_representation(text.last_modified_at),
        "last_modified_by": UserBasicSerializer(text.last_modified_by).data
        if text.last_modified_by
        else None,
        "team": text.team_id,
    }


def tile_representation(
    tile: DashboardTile, insight_data: dict[str, Any] | None, *, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A tile as PostHog shows it: the insight (computed in the dashboard's context) or the
    text, and its layout; ``error`` only on a tile whose insight the engine refused."""
    if insight_data is None:
        insight_data = {}
        text = text_representation(tile)
    else:
        text = None
    representation = {
        "id": tile.id,
        "insight": insight_data or None,
        "text": text,
        "layouts": tile.layouts,
        "color": tile.color,
        "deleted": tile.deleted,
        "last_refresh": insight_data.get("last_refresh"),
        "is_cached": insight_data.get("is_cached"),
        "order": None,
    }
    if error is not None:
        representation["error"] = error
    return representation


__all__ = ["DashboardSerializer", "InsightSerializer", "tile_representation"]
