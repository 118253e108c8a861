"""posthog-js, as installed from npm, in headless Chromium against this server.

A page served by the test on its own port (another origin, so every call to the server is
cross-origin; both on loopback, as Chromium refuses public pages calling loopback) loads posthog-js's browser bundle and inits it with this server as ``api_host``. It must
start with no console error and no failed request, load the remote config script, and the
events it sends must be counted by the API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser import ROOT, chromium, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]

BUNDLE = ROOT / "node_modules" / "posthog-js" / "dist" / "array.js"


def shop_page(token: str, host: str) -> str:
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,"></head>
<body><h1>Shop</h1><button id="buy">Buy now</button>
<script src="/posthog.js"></script>
<script>
  window.posthog.init({token!r}, {{
    api_host: {host!r},
    person_profiles: 'always',
    // posthog-js drops events from user agents it takes for bots, HeadlessChrome included
    opt_out_useragent_filter: true,
    loaded: function () {{ window.posthogLoaded = true }},
  }})
  window.posthog.capture('checkout viewed', {{plan: 'pro'}})
</script>
</body></html>"""


@contextmanager
def shop_server(page_html: str) -> Iterator[str]:
    """Serves the shop page and the posthog-js bundle on 127.0.0.1; yields its origin."""
    files = {
        "/": ("text/html; charset=utf-8", page_html.encode()),
        "/posthog.js": ("application/javascript", BUNDLE.read_bytes()),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            content_type, body = files.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def counts(api, team) -> dict[str, float]:
    query = {
        "kind": "TrendsQuery",
        "series": [
            {"kind": "EventsNode", "event": name, "name": name}
            for name in ("$pageview", "checkout viewed", "$autocapture")
        ],
        "dateRange": {"date_from": "-1d"},
        "trendsFilter": {"display": "ActionsTable"},
    }
    response = api.post(
        f"/api/projects/{team.id}/query/", {"query": query, "refresh": "force_blocking"}, format="json"
    )
    assert response.status_code == 200, response.content
    return {row["label"]: row["aggregated_value"] for row in response.json()["results"]}


def test_posthog_js_loads_silently_and_its_events_are_counted(live_server, api, team, clickhouse):
    if not BUNDLE.is_file():
        pytest.fail("node_modules/posthog-js is missing: run bin/install-assets", pytrace=False)
    host = live_server.url
    with chromium() as browser, shop_server(shop_page(team.api_token, host)) as origin:
        context = browser.new_context()
        page = context.new_page()
        problems: list[str] = []
        server_calls: list[tuple[int, str]] = []
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
        page.on(
            "response",
            lambda response: (
                response.url.startswith(host) and server_calls.append((response.status, response.url))
            ),
        )
        try:
            page.goto(f"{origin}/")
            page.wait_for_function("window.posthogLoaded === true", timeout=20_000)
            page.click("#buy")  # autocapture
            # Events leave in batches, every few seconds: wait until the API counts them.
            deadline = time.monotonic() + 30
            seen: dict[str, float] = {}
            while time.monotonic() < deadline:
                page.wait_for_timeout(1000)
                seen = counts(api, team)
                if seen.get("$autocapture"):
                    break
            screenshot(page, "posthog-js-shop")
        finally:
            context.close()
    assert seen == {"$pageview": 1, "checkout viewed": 1, "$autocapture": 1}
    assert problems == []
    paths = [url[len(host) :].split("?")[0] for _, url in server_calls]
    assert all(status < 400 for status, _ in server_calls), server_calls
    # the remote config was loaded as a script, and events went to the capture route it names
    assert f"/array/{team.api_token}/config.js" in paths
    assert "/i/v0/e/" in paths
    # hasFeatureFlags is false in the config, so posthog-js does not ask /flags at all, as with PostHog
    assert "/flags/" not in paths
    # The click's element chain, as posthog-js wrote it, is what action steps match.
    assert (
        _action_count(api, team, {"selector": "body > button#buy", "tag_name": "button", "text": "Buy now"})
        == 1
    )
    assert _action_count(api, team, {"selector": "a#buy"}) == 0


def _action_count(api, team, step: dict) -> float:
    created = api.post(
        f"/api/projects/{team.id}/actions/",
        {"name": repr(step), "steps": [{"event": "$autocapture", **step}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "ActionsNode", "id": created.json()["id"]}],
        "dateRange": {"date_from": "-1d"},
        "trendsFilter": {"display": "ActionsTable"},
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"][0]["aggregated_value"]
