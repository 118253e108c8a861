"""Activity log entries in PostHog's shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import ActivityLog


class ActivityUserSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    is_system = serializers.BooleanField(required=False)


class ChangeSerializer(serializers.Serializer):
    type = serializers.CharField()
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    field = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class ActivityDetailSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True, allow_null=True)
    trigger = serializers.JSONField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    short_id = serializers.CharField(allow_null=True)


class ActivityLogSerializer(serializers.ModelSerializer):
    """``user`` is ``{first_name, email}``, or the system marker for automatic changes."""

    user = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()
    detail = ActivityDetailSerializer(read_only=True)

    class Meta:
        model = ActivityLog
        fields = [
            "id",
            "user",
            "unread",
            "organization_id",
            "was_impersonated",
            "is_system",
            "activity",
            "scope",
            "item_id",
            "detail",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ActivityUserSerializer)
    def get_user(self, entry: ActivityLog) -> dict[str, Any]:
        if entry.user is None:
            return {"first_name": "System", "email": None, "is_system": True}
        return {"first_name": entry.user.first_name, "email": entry.user.email}

    def get_unread(self, entry: ActivityLog) -> bool:
        # No per-user bookmarks here, so nothing is ever marked unread.
        return False


class ActivityPageSerializer(serializers.Serializer):
    """A page of activity: page-number pagination with ``total_count``."""

    results = ActivityLogSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    total_count = serializers.IntegerField()
