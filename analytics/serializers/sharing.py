from __future__ import annotations

from rest_framework import serializers

from analytics.models import SharingConfiguration


class SharingConfigurationSerializer(serializers.ModelSerializer):
    """``{created_at, enabled, access_token}``; only ``enabled`` is writable."""

    enabled = serializers.BooleanField(required=True)

    class Meta:
        model = SharingConfiguration
        fields = ["created_at", "enabled", "access_token"]
        read_only_fields = ["created_at", "access_token"]
