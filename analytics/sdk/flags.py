"""Feature-flag answers in the shapes of PostHog's ``/flags`` and legacy ``/decide``.

The project has no flags, so every answer evaluates nothing: SDKs treat a flag missing
from a successful answer as off (``isFeatureEnabled`` is false), not as an error.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from analytics.sdk.remote_config import remote_config


def _version(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def flags_response(token: str, *, version: str | None, with_config: bool) -> dict[str, Any]:
    """``/flags``: v2+ returns ``flags`` (details per key), v1 the key→value maps."""
    body: dict[str, Any] = {"errorsWhileComputingFlags": False, "requestId": str(uuid.uuid4())}
    if _version(version, 1) >= 2:
        body["flags"] = {}
        body["evaluatedAt"] = int(time.time() * 1000)
    else:
        body["featureFlags"] = {}
        body["featureFlagPayloads"] = {}
    if with_config:
        config = remote_config(token)
        config.pop("token")
        config.pop("hasFeatureFlags")  # a flags answer carries the flags themselves
        body = {**config, **body}
    return body


def decide_response(token: str, *, version: str | None) -> dict[str, Any]:
    """Legacy ``/decide``: config always included; flag shape by ``v`` (1: a key list,
    2-3: key→value with payloads from 3, 4+: ``flags`` details)."""
    v = _version(version, 1)
    config = remote_config(token)
    config.pop("token")
    config.pop("hasFeatureFlags")
    body: dict[str, Any] = {
        "config": {"enable_collect_everything": True},
        "toolbarParams": {},
        "isAuthenticated": False,
        **config,
        "errorsWhileComputingFlags": False,
        "requestId": str(uuid.uuid4()),
    }
    if v >= 4:
        body["flags"] = {}
    elif v >= 2:
        body["featureFlags"] = {}
        if v >= 3:
            body["featureFlagPayloads"] = {}
    else:
        body["featureFlags"] = []
    return body
