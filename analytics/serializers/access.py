from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import ACCESS_LEVELS_ORDER, AccessControl


class AccessControlSerializer(serializers.ModelSerializer):
    """One rule; ``organization_member`` is the membership id, null for the project-wide default."""

    access_level = serializers.ChoiceField(choices=list(ACCESS_LEVELS_ORDER), allow_null=True)
    resource = serializers.CharField(read_only=True)
    resource_id = serializers.CharField(read_only=True)
    organization_member: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    role = serializers.SerializerMethodField()
    created_by: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AccessControl
        fields = [
            "access_level",
            "resource",
            "resource_id",
            "organization_member",
            "role",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_role(self, rule: AccessControl) -> None:
        return None


class AccessControlWriteSerializer(serializers.Serializer):
    access_level = serializers.ChoiceField(choices=list(ACCESS_LEVELS_ORDER), allow_null=True)
    organization_member = serializers.CharField(required=False, allow_null=True)
    role = serializers.CharField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("organization_member") and attrs.get("role"):
            raise serializers.ValidationError(
                "You can not scope an access control to both a role and a member."
            )
        if attrs.get("role"):
            raise serializers.ValidationError({"role": "Roles are not available on this server."})
        return attrs


class AccessControlsResponseSerializer(serializers.Serializer):
    access_controls = AccessControlSerializer(many=True)
    available_access_levels = serializers.ListField(child=serializers.CharField())
    default_access_level = serializers.CharField()
    minimum_access_level = serializers.CharField()
    maximum_access_level = serializers.CharField()
    user_access_level = serializers.CharField()
    user_can_edit_access_levels = serializers.BooleanField()
