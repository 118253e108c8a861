from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import SharingConfiguration


class SharingConfigurationSerializer(serializers.ModelSerializer):
    """``{created_at, enabled, access_token, share_url}``; only ``enabled`` is writable.

    ``share_url`` (not in PostHog's response) is the public page's address while sharing
    is on, built on ``SITE_URL``; ``/embedded/<token>`` is the same page for iframes.
    """

    enabled = serializers.BooleanField(required=True)
    share_url = serializers.SerializerMethodField()

    class Meta:
        model = SharingConfiguration
        fields = ["created_at", "enabled", "access_token", "share_url"]
        read_only_fields = ["created_at", "access_token"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_share_url(self, config: SharingConfiguration) -> str | None:
        return f"{settings.SITE_URL}/shared/{config.access_token}" if config.enabled else None
