"""The shared/embedded pages without a browser: routes, headers, share URL, chart choice, dates.

What the pages draw is checked in Chromium by tests/test_shared_charts_browser.py.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from analytics.models import Insight
from analytics.services.shared_page import chart_kind, date_range_text

pytestmark = pytest.mark.django_db

TRENDS = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode"}]}}


@pytest.fixture
def token(api, team, owner, clickhouse):
    """A shared trends insight; opening its page starts a background refresh (the event store)."""
    insight = Insight.objects.create(
        team=team, name="Signups <b>weekly</b>", query=TRENDS, created_by=owner.user
    )
    url = f"/api/projects/{team.id}/insights/{insight.id}/sharing/"
    off = api.get(url).json()
    assert off["share_url"] is None  # no public page while sharing is off
    on = api.patch(url, {"enabled": True}, format="json").json()
    assert on["share_url"] == f"{settings.SITE_URL}/shared/{on['access_token']}"
    return on["access_token"]


@pytest.mark.parametrize("suffix", ["", "/"])
def test_shared_page_is_a_chart_page(client, token, suffix):
    response = client.get(f"/shared/{token}{suffix}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<title>Signups &lt;b&gt;weekly&lt;/b&gt;</title>" in page  # escaped, not markup
    assert '<script src="/static/analytics/vendor/echarts.min.js"></script>' in page
    assert '<script src="/static/analytics/shared_insight.js"></script>' in page
    data = json.loads(
        page.split('<script id="insight-data" type="application/json">')[1].split("</script>")[0]
    )
    # the JSON link is absolute, so it works from /shared/<token>/ too
    assert data["jsonUrl"] == f"/shared/{token}.json"
    assert data["chart"] == "line"
    assert "Shared with insights-api" in page


def test_page_assets_are_served(client, token):
    for path in ("/static/analytics/vendor/echarts.min.js", "/static/analytics/shared_insight.js"):
        response = client.get(path)
        assert response.status_code == 200, f"{path} (bin/install-assets copies ECharts)"
        assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_frame_and_sniffing_headers(client, token):
    shared = client.get(f"/shared/{token}")
    embedded = client.get(f"/embedded/{token}")
    assert shared["X-Frame-Options"] == "DENY"
    assert "X-Frame-Options" not in embedded  # the one page other sites may frame
    for response in (shared, embedded):
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/shared/{token}.json")["X-Frame-Options"] == "DENY"


def test_json_is_json_even_for_a_browser(client, token):
    response = client.get(f"/shared/{token}.json", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["accessToken"] == token


def test_display_options(client, token):
    page = client.get(f"/embedded/{token}", {"whitelabel": "", "noHeader": "", "legend": ""}).content.decode()
    assert "Shared with insights-api" not in page
    assert 'class="insight-title"' not in page
    assert '"legend": true' in page
    assert 'class="embedded"' in page


def test_unknown_or_disabled_token_is_a_404_page(client, api, team, token):
    missing = client.get("/shared/not-a-token")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "text/html; charset=utf-8"
    assert b"Insight not found" in missing.content
    assert client.get("/embedded/not-a-token.json").json()["type"] == "invalid_request"


@pytest.mark.parametrize(
    ("insight", "kind"),
    [
        ({"query": TRENDS}, "line"),
        (
            {
                "query": {
                    "kind": "InsightVizNode",
                    "source": {"kind": "TrendsQuery", "trendsFilter": {"display": "BoldNumber"}},
                }
            },
            "number",
        ),
        (
            {
                "query": {
                    "kind": "InsightVizNode",
                    "source": {"kind": "TrendsQuery", "trendsFilter": {"display": "ActionsStackedBar"}},
                }
            },
            "stacked-bar",
        ),
        ({"query": {"kind": "InsightVizNode", "source": {"kind": "FunnelsQuery"}}}, "funnel-steps"),
        (
            {
                "query": {
                    "kind": "InsightVizNode",
                    "source": {"kind": "FunnelsQuery", "funnelsFilter": {"funnelVizType": "time_to_convert"}},
                }
            },
            "funnel-time-to-convert",
        ),
        ({"query": {"kind": "InsightVizNode", "source": {"kind": "PathsQuery"}}}, "paths"),
        ({"query": {"kind": "InsightVizNode", "source": {"kind": "HogQLQuery"}}}, "unsupported"),
        ({"query": None, "filters": {"insight": "TRENDS", "display": "ActionsPie"}}, "pie"),
        ({"query": None, "filters": {"insight": "FUNNELS", "funnel_viz_type": "trends"}}, "funnel-trends"),
        ({"query": None, "filters": {"insight": "RETENTION"}}, "retention"),
        ({"query": None, "filters": {}}, "line"),
    ],
)
def test_chart_kind(insight, kind):
    assert chart_kind(insight) == kind


def _ranged(date_range: dict) -> dict:
    return {"query": {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "dateRange": date_range}}}


@pytest.mark.parametrize(
    ("insight", "text"),
    [
        (_ranged({"date_from": "2024-01-01", "date_to": "2024-01-07"}), "1 Jan 2024 – 7 Jan 2024"),
        (_ranged({"date_from": "-30d"}), "Last 30 days"),
        (_ranged({"date_from": "-1w"}), "Last 1 week"),
        (_ranged({"date_from": "all"}), "All time"),
        (_ranged({"date_from": "mStart"}), "This month until now"),
        (_ranged({"date_from": "2024-03-05", "date_to": "2024-03-05"}), "5 Mar 2024"),
        (_ranged({}), "Last 7 days"),
        # a computed trends result names the range it used, which wins over the saved text
        (
            {
                **_ranged({"date_from": "-7d"}),
                "result": [
                    {
                        "filter": {
                            "date_from": "2024-02-01T00:00:00+00:00",
                            "date_to": "2024-02-07T23:59:59+00:00",
                        }
                    }
                ],
            },
            "1 Feb 2024 – 7 Feb 2024",
        ),
        ({"query": None, "filters": {"date_from": "-14d", "date_to": "-1d"}}, "14 days ago – 1 day ago"),
    ],
)
def test_date_range_text(insight, text):
    assert date_range_text(insight) == text
