"""PostHog's exported asset: ``{id, dashboard, insight, export_format, created_at, has_content,
export_context, filename, expires_after, exception}``. Only CSV of an insight or a query."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.models import ExportedAsset, Insight
from analytics.serializers.fields import Int64Field, Int64PrimaryKeyRelatedField

CONTEXT_KEYS = {"source", "filename"}


class ExportedAssetSerializer(serializers.ModelSerializer):
    insight = Int64PrimaryKeyRelatedField(queryset=Insight.objects.none(), required=False, allow_null=True)
    dashboard = Int64Field(
        required=False, allow_null=True, help_text="Dashboard exports (images, PDF) are not supported: null."
    )
    export_format = serializers.ChoiceField(choices=ExportedAsset.ExportFormat.choices)
    export_context = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='{"source": <query node>} to export a query; optional "filename".',
    )
    has_content = serializers.BooleanField(read_only=True)
    filename = serializers.CharField(read_only=True)

    class Meta:
        model = ExportedAsset
        fields = [
            "id",
            "dashboard",
            "insight",
            "export_format",
            "created_at",
            "has_content",
            "export_context",
            "filename",
            "expires_after",
            "exception",
        ]
        read_only_fields = ["id", "created_at", "expires_after", "exception"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        team = self.context.get("team")
        if team is not None:  # another project's (or a deleted) insight reads as not found
            fields["insight"].queryset = Insight.objects.filter(team=team, deleted=False)  # type: ignore[attr-defined]
        return fields

    def to_representation(self, instance: ExportedAsset) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["dashboard"] = None
        return data

    def validate_export_format(self, value: str) -> str:
        if value != ExportedAsset.ExportFormat.CSV:
            raise serializers.ValidationError(
                "Only text/csv exports are supported; images, PDFs and spreadsheets are not."
            )
        return value

    def validate_dashboard(self, value: int | None) -> None:
        if value is not None:
            raise serializers.ValidationError("Dashboard exports (images and PDFs) are not supported.")
        return None

    def validate_export_context(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise serializers.ValidationError("export_context must be an object.")
        unknown = sorted(set(value) - CONTEXT_KEYS)
        if unknown:
            raise serializers.ValidationError(
                f"export_context.{unknown[0]} is not supported: export a query with "
                '{"source": <query node>} or an insight by its id.'
            )
        if "source" in value and not isinstance(value["source"], dict):
            raise serializers.ValidationError("export_context.source must be a query node object.")
        if "filename" in value and not isinstance(value["filename"], str):
            raise serializers.ValidationError("export_context.filename must be a string.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.pop("dashboard", None)
        if attrs.get("insight") is None and "source" not in (attrs.get("export_context") or {}):
            raise serializers.ValidationError(
                {"insight": "Either an insight or export_context.source (a query) is required for an export."}
            )
        return attrs
