from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import SharingConfiguration

# The page options PostHog's sharing settings hold (and the shared page's query string takes).
SETTINGS_KEYS = ("whitelabel", "noHeader", "legend", "detailed", "showInspector")


class SharePasswordSerializer(serializers.Serializer):
    """PostHog's shape of a share password; this server keeps none (the list is always empty)."""

    id = serializers.CharField()
    created_at = serializers.DateTimeField()
    note = serializers.CharField(allow_null=True)
    created_by_email = serializers.EmailField(allow_null=True)
    is_active = serializers.BooleanField()


class SharingConfigurationSerializer(serializers.ModelSerializer):
    """``{created_at, enabled, access_token, settings, password_required, share_passwords,
    share_url}``; ``enabled`` and ``settings`` are writable.

    ``settings`` holds the page's display options (``whitelabel``, ``noHeader``, ``legend``,
    ``detailed``, ``showInspector``: booleans), which the query string can add to.
    ``password_required`` is always false: password-protected links are refused (400), so
    ``share_passwords`` is always empty. ``share_url`` (not in PostHog's response) is the
    public page's address while sharing is on, built on ``SITE_URL``; ``/embedded/<token>``
    is the same page for iframes.
    """

    enabled = serializers.BooleanField(required=False)
    settings = serializers.JSONField(required=False, allow_null=True)
    password_required = serializers.BooleanField(required=False)
    share_passwords = serializers.SerializerMethodField()
    share_url = serializers.SerializerMethodField()

    class Meta:
        model = SharingConfiguration
        fields = [
            "created_at",
            "enabled",
            "access_token",
            "settings",
            "password_required",
            "share_passwords",
            "share_url",
        ]
        read_only_fields = ["created_at", "access_token"]

    def validate_settings(self, value: Any) -> dict[str, bool] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise serializers.ValidationError("settings must be an object.")
        unknown = sorted(set(value) - set(SETTINGS_KEYS))
        if unknown:
            raise serializers.ValidationError(
                f"settings.{unknown[0]} is not supported; known: {', '.join(SETTINGS_KEYS)}."
            )
        if not all(isinstance(flag, bool) for flag in value.values()):
            raise serializers.ValidationError("settings values must be booleans.")
        return value

    def validate_password_required(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError("Password-protected sharing is not supported by this server.")
        return value

    @extend_schema_field(SharePasswordSerializer(many=True))
    def get_share_passwords(self, config: SharingConfiguration) -> list[dict[str, Any]]:
        return []

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_share_url(self, config: SharingConfiguration) -> str | None:
        return f"{settings.SITE_URL}/shared/{config.access_token}" if config.enabled else None
