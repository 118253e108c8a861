"""SDK routes besides capture: /flags, /decide, /array/<token>/config(.js).

A project here has no feature flags: the answers must be PostHog's shapes with nothing in
them, with CORS, so posthog-js loads silently and server SDKs read every flag as off.
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from posthog import Posthog
from posthog import request as posthog_request

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://shop.example.com"

pytestmark = pytest.mark.django_db


def post_json(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_ORIGIN=ORIGIN, **extra)


@pytest.mark.parametrize("path", ["/flags/?v=2", "/flags?v=2"])
def test_flags_v2_is_empty_with_cors(client, team, path):
    response = post_json(client, path, {"token": team.api_token, "distinct_id": "user-1"})
    assert response.status_code == 200
    body = response.json()
    assert body["flags"] == {}
    assert body["errorsWhileComputingFlags"] is False
    assert isinstance(body["requestId"], str) and len(body["requestId"]) == 36
    assert isinstance(body["evaluatedAt"], int)
    assert "featureFlags" not in body
    # credentials may be sent, so the origin is mirrored rather than "*"
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_flags_v1_returns_flag_maps(client, team):
    body = post_json(client, "/flags/", {"token": team.api_token, "distinct_id": "u"}).json()
    assert body["featureFlags"] == {} and body["featureFlagPayloads"] == {}
    assert body["errorsWhileComputingFlags"] is False
    assert "flags" not in body


def test_flags_with_config_adds_remote_config(client, team):
    body = post_json(client, "/flags/?v=2&config=true", {"token": team.api_token, "distinct_id": "u"}).json()
    assert body["flags"] == {}
    assert body["supportedCompression"] == ["gzip", "gzip-js"]
    assert body["sessionRecording"] is False
    assert body["analytics"] == {"endpoint": "/i/v0/e/"}
    assert "hasFeatureFlags" not in body and "token" not in body


def test_flags_accepts_the_encodings_posthog_js_sends(client, team):
    document = json.dumps({"token": team.api_token, "distinct_id": "u"}).encode()
    gzipped = client.post(
        "/flags/?v=2&compression=gzip-js", gzip.compress(document), content_type="text/plain"
    )
    assert gzipped.status_code == 200 and gzipped.json()["flags"] == {}
    form = client.post(
        "/flags/?v=2",
        urlencode({"data": base64.b64encode(document).decode()}),
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 200 and form.json()["flags"] == {}
    # a GET with the token in the query string (as curl or a health check would)
    query = client.get(f"/flags/?v=2&token={team.api_token}")
    assert query.status_code == 200 and query.json()["flags"] == {}


def test_flags_refuses_a_missing_or_wrong_token(client, team):
    missing = post_json(client, "/flags/?v=2", {"distinct_id": "u"})
    assert missing.status_code == 401
    assert missing.json()["type"] == "authentication_error"
    assert missing.json()["code"] == "invalid_api_key"
    wrong = post_json(client, "/flags/?v=2", {"token": "phc_nope", "distinct_id": "u"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_api_key"
    # the error still carries CORS, so the browser SDK can read it instead of a console CORS error
    assert wrong["Access-Control-Allow-Origin"] == ORIGIN
    bad = client.post("/flags/?v=2", b"{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["type"] == "validation_error"


@pytest.mark.parametrize(
    ("version", "flag_keys"),
    [
        ("1", {"featureFlags": []}),
        ("2", {"featureFlags": {}}),
        ("3", {"featureFlags": {}, "featureFlagPayloads": {}}),
        ("4", {"flags": {}}),
    ],
)
def test_decide_by_version(client, team, version, flag_keys):
    response = post_json(client, f"/decide/?v={version}", {"token": team.api_token, "distinct_id": "u"})
    assert response.status_code == 200
    body = response.json()
    for key, value in flag_keys.items():
        assert body[key] == value
    for key in {"featureFlags", "featureFlagPayloads", "flags"} - set(flag_keys):
        assert key not in body
    assert body["config"] == {"enable_collect_everything": True}
    assert body["isAuthenticated"] is False
    assert body["toolbarParams"] == {}
    assert body["siteApps"] == []
    assert body["errorsWhileComputingFlags"] is False


def test_remote_config_json(client, team):
    response = client.get(f"/array/{team.api_token}/config", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    body = response.json()
    assert body["token"] == team.api_token
    assert body["hasFeatureFlags"] is False
    assert body["supportedCompression"] == ["gzip", "gzip-js"]
    assert body["heatmaps"] is False and body["sessionRecording"] is False
    assert "surveys" not in body  # a boolean would make posthog-js fetch its surveys script
    assert body["siteApps"] == []
    unknown = client.get("/array/phc_unknown/config")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert client.get("/array/phc_unknown/config.js").status_code == 404


def test_cors_preflight(client, team):
    for path in ("/flags/?v=2", f"/array/{team.api_token}/config", "/decide/"):
        response = client.options(
            path,
            HTTP_ORIGIN=ORIGIN,
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
        )
        assert response.status_code == 200, path
        assert response["Access-Control-Allow-Origin"] == ORIGIN
        assert "content-type" in response["Access-Control-Allow-Headers"].lower()


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "posthog-node").is_dir():
        pytest.skip("Node.js or node_modules missing (bin/install-assets installs them)")
    return node


def test_remote_config_js_registers_the_config(client, team):
    response = client.get(f"/array/{team.api_token}/config.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    # Run the script as a browser would and read back what posthog-js will look up.
    script = (
        "globalThis.window = {};\n"
        + response.content.decode()
        + f"\nconsole.log(JSON.stringify(window._POSTHOG_REMOTE_CONFIG[{json.dumps(team.api_token)}]));"
    )
    node = node_or_skip()
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True)
    registered = json.loads(out.stdout)
    assert registered["siteApps"] == []
    assert registered["config"] == client.get(f"/array/{team.api_token}/config").json()


@pytest.mark.django_db(transaction=True)
def test_posthog_node_reads_flags_as_off(live_server, team, clickhouse):
    node = node_or_skip()
    out = subprocess.run(
        [node, str(ROOT / "tests" / "js" / "posthog_node_flags.mjs"), live_server.url, team.api_token],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    # A flag the project does not have: PostHog's /flags leaves it out, and the SDK answers
    # "undefined" (falsy, so `if (await isFeatureEnabled(...))` takes the off branch) with no
    # error, where a 404 made it emit an error.
    assert result == {
        "isFeatureEnabled": "undefined",
        "getFeatureFlag": "undefined",
        "getAllFlags": {},
        "errors": [],
    }


@pytest.mark.django_db(transaction=True)
def test_posthog_python_reads_flags_as_off(live_server, team, clickhouse, monkeypatch):
    monkeypatch.setattr(posthog_request, "_pooling_enabled", False)
    client = Posthog(team.api_token, host=live_server.url, sync_mode=True, max_retries=0)
    try:
        # as against PostHog for a flag that does not exist: None (falsy), not an exception
        assert client.get_feature_flag("new-dashboard", "user-1") is None
        assert not client.feature_enabled("new-dashboard", "user-1")
        assert client.get_all_flags("user-1") == {}
    finally:
        client.shutdown()
