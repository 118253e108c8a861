"""``setup_demo``: README command 1's preparation step, run twice."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from analytics.services.demo import DEMO_INSIGHTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_setup_demo_is_idempotent_and_prints_a_working_curl(clickhouse):
    first, second = io.StringIO(), io.StringIO()
    call_command("setup_demo", "--events", "300", "--days", "3", stdout=first)
    call_command("setup_demo", "--events", "300", "--days", "3", stdout=second)
    credentials = json.loads((Path(settings.VAR_DIR) / "demo_credentials.json").read_text())
    # The same key is printed both times, and the demo is created once.
    assert credentials["personal_api_key"] in first.getvalue()
    assert credentials["personal_api_key"] in second.getvalue()
    assert "Created 5 demo insights." in first.getvalue()
    assert "demo insights" not in second.getvalue()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {credentials['personal_api_key']}")
    listed = client.get(f"/api/projects/{credentials['project_id']}/insights/").json()
    assert listed["count"] == len(DEMO_INSIGHTS) == 5
    # Nothing computed yet: the list answers from the cache, as PostHog's does by default.
    assert [insight["result"] for insight in listed["results"]] == [None] * 5

    # The printed curl computes them: every demo insight comes back with its result.
    printed = re.search(r"curl -H 'Authorization: Bearer (phx_\w+)' '(http://[^']+)'", first.getvalue())
    assert printed is not None and printed[1] == credentials["personal_api_key"]
    path = printed[2].removeprefix(settings.SITE_URL)
    assert path == f"/api/projects/{credentials['project_id']}/insights/?refresh=blocking"
    computed = {insight["name"]: insight for insight in client.get(path).json()["results"]}
    assert all(insight["result"] is not None and insight["last_refresh"] for insight in computed.values())
    pageviews = client.post(
        f"/api/projects/{credentials['project_id']}/query/",
        {"query": {"kind": "HogQLQuery", "query": "select count() from events where event = '$pageview'"}},
        format="json",
    ).json()["results"][0][0]
    # 300 events over 3 days, all inside the insight's 30 days: its daily counts add up to them.
    assert pageviews > 0
    assert sum(computed["Pageviews per day"]["result"][0]["data"]) == pageviews
    events = client.post(
        f"/api/projects/{credentials['project_id']}/query/",
        {
            "query": {
                "kind": "TrendsQuery",
                "series": [{"kind": "EventsNode", "event": None, "math": "total"}],
                "dateRange": {"date_from": "-7d"},
                "trendsFilter": {"display": "BoldNumber"},
            }
        },
        format="json",
    )
    # Demo data was loaded once, not twice: 300 events, none in the future.
    assert events.status_code == 200, events.content
    assert events.json()["results"][0]["aggregated_value"] == 300
