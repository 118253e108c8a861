from rest_framework import serializers

from analytics.serializers.field_cache import CachedFieldsMixin
from tenancy.models import User


class UserBasicSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """The user shape embedded in other resources (``created_by`` and the like)."""

    class Meta:
        model = User
        fields = [
            "id",
            "uuid",
            "distinct_id",
            "first_name",
            "last_name",
            "email",
            "is_email_verified",
            "hedgehog_config",
        ]
        read_only_fields = fields
