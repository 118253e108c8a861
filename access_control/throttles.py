"""Rate limits for personal API key traffic, per key and per route class."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from access_control.authentication import personal_api_key


class _PersonalKeyThrottle(SimpleRateThrottle):
    setting_name = ""

    def get_rate(self) -> str | None:
        # Read at request time so deployments and tests can change the rates.
        if not settings.THROTTLE_ENABLED:
            return None
        return getattr(settings, self.setting_name)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        key = personal_api_key(request)
        if key is None:
            return None
        route_class = getattr(view, "throttle_scope", None) or "api"
        return f"throttle:{self.scope}:{route_class}:{key.pk}"


class BurstRateThrottle(_PersonalKeyThrottle):
    scope = "burst"
    setting_name = "THROTTLE_BURST"


class SustainedRateThrottle(_PersonalKeyThrottle):
    scope = "sustained"
    setting_name = "THROTTLE_SUSTAINED"
