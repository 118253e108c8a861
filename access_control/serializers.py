from rest_framework import serializers

from access_control.models import PersonalAPIKey
from access_control.scopes import is_valid_scope


class PersonalAPIKeySerializer(serializers.ModelSerializer):
    """A key record; ``value`` is filled only in the create response."""

    # Not get_value: that name is Serializer.get_value, which reads input when nested.
    value = serializers.SerializerMethodField(method_name="plaintext_value")
    user_id = serializers.IntegerField(read_only=True)
    scopes = serializers.ListField(child=serializers.CharField(max_length=100), allow_empty=False)
    scoped_teams = serializers.ListField(child=serializers.IntegerField(), required=False)
    scoped_organizations = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = PersonalAPIKey
        fields = [
            "id",
            "label",
            "value",
            "mask_value",
            "created_at",
            "last_used_at",
            "user_id",
            "scopes",
            "scoped_teams",
            "scoped_organizations",
        ]
        read_only_fields = ["id", "value", "mask_value", "created_at", "last_used_at", "user_id"]

    def plaintext_value(self, key: PersonalAPIKey) -> str | None:
        return self.context.get("plaintext")

    def validate_scopes(self, scopes: list[str]) -> list[str]:
        for scope in scopes:
            if not is_valid_scope(scope):
                raise serializers.ValidationError(f"Invalid scope: {scope}")
        return scopes

    def to_representation(self, instance: PersonalAPIKey) -> dict:
        data = super().to_representation(instance)
        data["scopes"] = data["scopes"] or ["*"]
        return data
