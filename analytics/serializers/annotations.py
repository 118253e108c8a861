"""Annotations as PostHog's annotation API shows them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.models import Dashboard, Insight
from analytics.models.annotations import Annotation
from analytics.serializers.fields import Int64PrimaryKeyRelatedField
from analytics.serializers.users import UserBasicSerializer


class AnnotationSerializer(serializers.ModelSerializer):
    created_by = UserBasicSerializer(read_only=True)
    dashboard_item = Int64PrimaryKeyRelatedField(
        queryset=Insight.objects.none(), required=False, allow_null=True
    )
    dashboard_id = Int64PrimaryKeyRelatedField(
        source="dashboard", queryset=Dashboard.objects.none(), required=False, allow_null=True
    )
    dashboard_name = serializers.SerializerMethodField()
    insight_short_id = serializers.SerializerMethodField()
    insight_name = serializers.SerializerMethodField()
    insight_derived_name = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id",
            "content",
            "date_marker",
            "creation_type",
            "dashboard_item",
            "dashboard_id",
            "dashboard_name",
            "insight_short_id",
            "insight_name",
            "insight_derived_name",
            "scope",
            "created_by",
            "created_at",
            "updated_at",
            "deleted",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.context.get("team")
        if team is not None:
            # Only the project's own insights and dashboards can be annotated (others: 400).
            self.fields["dashboard_item"].queryset = Insight.objects.filter(team=team)  # type: ignore[attr-defined]
            self.fields["dashboard_id"].queryset = Dashboard.objects.filter(team=team)  # type: ignore[attr-defined]

    def get_dashboard_name(self, annotation: Annotation) -> str | None:
        return annotation.dashboard.name if annotation.dashboard is not None else None

    def get_insight_short_id(self, annotation: Annotation) -> str | None:
        return annotation.dashboard_item.short_id if annotation.dashboard_item is not None else None

    def get_insight_name(self, annotation: Annotation) -> str | None:
        return annotation.dashboard_item.name if annotation.dashboard_item is not None else None

    def get_insight_derived_name(self, annotation: Annotation) -> str | None:
        return annotation.dashboard_item.derived_name if annotation.dashboard_item is not None else None
