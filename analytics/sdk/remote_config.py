"""The remote config PostHog's SDKs load at start (``/array/<token>/config`` and ``.js``).

This server has no feature flags, session recording, surveys, heatmaps or site apps, so
every switch is off; the keys and their camelCase spelling are what posthog-js reads.
``analytics.endpoint`` points the browser SDK at a capture route this server answers.

``surveys`` is left out rather than ``false``: posthog-js loads its surveys script from the
server's ``/static/`` for any boolean (to learn there is nothing to show), and this server
does not host posthog-js's bundles; without the key it skips surveys quietly.
"""

from __future__ import annotations

import json
from typing import Any

# What the capture routes decode (analytics.ingestion.decoding): gzip and gzip-js alike.
SUPPORTED_COMPRESSION = ["gzip", "gzip-js"]
CAPTURE_ENDPOINT = "/i/v0/e/"


def remote_config(token: str) -> dict[str, Any]:
    """The config for the project whose token this is; the caller has checked the token."""
    return {
        "token": token,
        "supportedCompression": list(SUPPORTED_COMPRESSION),
        "hasFeatureFlags": False,
        "captureDeadClicks": False,
        "capturePerformance": False,
        "autocapture_opt_out": False,
        "autocaptureExceptions": False,
        "analytics": {"endpoint": CAPTURE_ENDPOINT},
        "elementsChainAsString": True,
        "errorTracking": {"autocaptureExceptions": False, "suppressionRules": []},
        "logs": {"captureConsoleLogs": False},
        "sessionRecording": False,
        "heatmaps": False,
        "productTours": False,
        "conversations": False,
        "defaultIdentifiedOnly": True,
        "siteApps": [],
    }


def remote_config_js(token: str) -> str:
    """The script form: registers the config under the token for posthog-js to pick up."""
    config = json.dumps(remote_config(token), separators=(",", ":"))
    key = json.dumps(token)
    # json.dumps leaves "</script>" intact; escaping "<" keeps the script inert if inlined.
    config = config.replace("<", "\\u003c")
    key = key.replace("<", "\\u003c")
    return (
        "(function(){"
        "window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};"
        f"window._POSTHOG_REMOTE_CONFIG[{key}]={{config:{config},siteApps:[]}};"
        "})();\n"
    )
