"""Rate limits for personal API key traffic, per key and per route class."""

from __future__ import annotations

from types import SimpleNamespace

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


# A request whose limits were already checked (and counted) before the view carries
# the waits here; the view then answers 429 without counting it a second time.
THROTTLE_WAITS_ATTR = "checked_throttle_waits"
THROTTLE_CLASSES = (BurstRateThrottle, SustainedRateThrottle)


def throttle_waits(key, route_class: str) -> list[float | None]:
    """Check and count one request of ``key`` on ``route_class``, as DRF's ``check_throttles`` does.

    Returns the waits of the limits it exceeds (empty: allowed).
    """
    request = SimpleNamespace(auth=key)
    view = SimpleNamespace(throttle_scope=route_class)
    waits = []
    for throttle_class in THROTTLE_CLASSES:
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait())
    return waits
