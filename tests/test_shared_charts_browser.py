"""Shared and embedded insights drawn in headless Chromium: each chart kind, on both links.

For every kind the page must draw (no script error, no console error) and the values held
by the chart (ECharts' own option, or the table cells for tables and the bold number) must
equal the insight's ``result`` from the API. A screenshot per kind and link goes to
``var/test-artifacts/``. The week of events is in ``tests/chart_insights.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from tests.browser import chromium, screenshot
from tests.capture import capture_events
from tests.chart_insights import PAGEVIEWS_PER_DAY, SOURCES, insight_body, week_events

pytestmark = [pytest.mark.django_db(transaction=True)]

READ_PAGE = r"""() => {
  const page = window.insightPage
  const option = page.instance ? page.instance.getOption() : null
  const text = (selector) => { const el = document.querySelector(selector); return el ? el.textContent.replace(/\s+/g, ' ').trim() : null }
  return {
    error: page.error,
    status: text('#status'),
    dateRange: text('.date-range'),
    lastComputed: text('.last-computed'),
    title: text('.insight-title'),
    footer: text('.insight-footer'),
    series: option ? option.series.map((s) => ({type: s.type, name: s.name, data: s.data, links: s.links || null, stack: s.stack || null})) : null,
    legend: option ? option.legend[0].show : null,
    number: (document.querySelector('.bold-number') || {dataset: {}}).dataset.value || null,
    cells: [...document.querySelectorAll('td[data-value]')].map((td) => Number(td.dataset.value)),
    retention: [...document.querySelectorAll('table.retention tbody tr')].map(
      (tr) => [...tr.querySelectorAll('td[data-count]')].map((td) => Number(td.dataset.count))),
  }
}"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def shared_insight(api, team, kind: str) -> tuple[str, dict[str, Any]]:
    """Save the kind's insight, turn sharing on, compute it; the token and the API's insight."""
    created = api.post(f"/api/projects/{team.id}/insights/", insight_body(kind), format="json")
    assert created.status_code == 201, created.content
    insight_id = created.json()["id"]
    sharing = api.patch(
        f"/api/projects/{team.id}/insights/{insight_id}/sharing/", {"enabled": True}, format="json"
    ).json()
    assert sharing["share_url"] == f"{settings.SITE_URL}/shared/{sharing['access_token']}"
    computed = api.get(f"/api/projects/{team.id}/insights/{insight_id}/", {"refresh": "blocking"})
    assert computed.status_code == 200, computed.content
    insight = computed.json()
    assert insight["result"], f"{kind}: the API computed nothing"
    return sharing["access_token"], insight


def open_page(browser, url: str, name: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 720})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.wait_for_function("window.insightPage && window.insightPage.ready", timeout=20_000)
        drawn = page.evaluate(READ_PAGE)
        screenshot(page, name)
    finally:
        context.close()
    assert problems == [], f"{url}: {problems}"
    assert drawn["error"] is None, drawn["error"]
    return drawn


def expected_series(result: list[dict[str, Any]]) -> list[list[float]]:
    return [[float(v) for v in entry["data"]] for entry in result]


def plotted(drawn: dict[str, Any]) -> list[list[float]]:
    return [[float(v) for v in series["data"]] for series in drawn["series"]]


def check(kind: str, drawn: dict[str, Any], result: Any) -> None:
    if kind in ("trends-line", "trends-bar", "trends-area", "trends-cumulative"):
        assert plotted(drawn) == expected_series(result)
        assert [s["name"] for s in drawn["series"]] == ["$pageview", "signed up"]
        assert drawn["legend"] is True  # two series: a legend tells them apart
        types = {"trends-bar": "bar"}
        assert {s["type"] for s in drawn["series"]} == {types.get(kind, "line")}
        # hand-computed: pageviews per day, and their running total for cumulative
        running = [sum(PAGEVIEWS_PER_DAY[: i + 1]) for i in range(7)]
        assert plotted(drawn)[0] == (running if kind == "trends-cumulative" else PAGEVIEWS_PER_DAY)
    elif kind == "trends-number":
        assert float(drawn["number"]) == float(result[0]["aggregated_value"])
        # BoldNumber keeps the whole last day of a given date_to (PostHog rounds it to 23:59:59):
        # all 17 pageviews of the week, the 7th's included
        assert float(drawn["number"]) == 17
    elif kind == "trends-pie":
        assert drawn["series"][0]["type"] == "pie"
        values = [(d["name"], float(d["value"])) for d in drawn["series"][0]["data"]]
        assert values == [(r["label"], float(r["aggregated_value"])) for r in result]
        assert values == [("$pageview", 17.0), ("signed up", 5.0)]
    elif kind == "trends-table":
        assert drawn["cells"] == [float(r["aggregated_value"]) for r in result] == [17, 5]
    elif kind == "funnel-steps":
        assert plotted(drawn) == [[float(step["count"]) for step in result]]
        assert plotted(drawn) == [[6, 5, 3]]
        assert drawn["status"] == "Total conversion rate: 50%"
    elif kind == "funnel-trends":
        assert plotted(drawn) == expected_series(result)
    elif kind == "funnel-time-to-convert":
        assert plotted(drawn) == [[float(count) for _, count in result["bins"]]]
    elif kind == "retention":
        assert drawn["retention"] == [[v["count"] for v in row["values"]] for row in result]
        assert drawn["retention"][0][0] == 2  # u1 and u2 first viewed a page on 1 Jan
    elif kind == "paths":
        links = [
            (link["source"], link["target"], float(link["value"])) for link in drawn["series"][0]["links"]
        ]
        assert drawn["series"][0]["type"] == "sankey"
        assert links == [(r["source"], r["target"], float(r["value"])) for r in result]
    elif kind == "stickiness":
        assert plotted(drawn) == expected_series(result)
    elif kind == "lifecycle":
        assert plotted(drawn) == expected_series(result)
        assert drawn["legend"] is True
        assert [s["name"] for s in drawn["series"]] == [r["status"].capitalize() for r in result]
        assert {s["stack"] for s in drawn["series"]} == {"total"}
    else:
        raise AssertionError(f"no check for {kind}")


@pytest.mark.parametrize("kind", list(SOURCES))
def test_chart_kind_on_shared_and_embedded_links(browser, live_server, api, client, team, clickhouse, kind):
    capture_events(client, team, week_events())
    token, insight = shared_insight(api, team, kind)
    for route in ("shared", "embedded"):
        drawn = open_page(browser, f"{live_server.url}/{route}/{token}", f"{route}-{kind}")
        check(kind, drawn, insight["result"])
        assert drawn["title"] == f"Chart {kind}"
        assert drawn["dateRange"] == "1 Jan 2024 – 7 Jan 2024"
        assert drawn["lastComputed"].startswith("Last computed ")
        assert "UTC" in drawn["lastComputed"]
        assert drawn["footer"] == "Shared with insights-api"


def test_uncomputed_insight_is_computed_by_the_page(browser, live_server, api, client, team, clickhouse):
    capture_events(client, team, week_events())
    created = api.post(f"/api/projects/{team.id}/insights/", insight_body("trends-line"), format="json")
    insight_id = created.json()["id"]
    token = api.patch(
        f"/api/projects/{team.id}/insights/{insight_id}/sharing/", {"enabled": True}, format="json"
    ).json()["access_token"]
    # Nothing computed yet: the page asks for a blocking refresh, then draws it.
    drawn = open_page(
        browser, f"{live_server.url}/shared/{token}/?whitelabel&noHeader", "shared-computed-on-load"
    )
    assert plotted(drawn)[0] == PAGEVIEWS_PER_DAY
    assert drawn["title"] is None and drawn["footer"] is None  # noHeader, whitelabel


def test_embedded_page_works_in_an_iframe_and_shared_does_not(
    browser, live_server, api, client, team, clickhouse
):
    capture_events(client, team, week_events())
    token, _ = shared_insight(api, team, "trends-bar")
    context = browser.new_context()
    page = context.new_page()
    try:
        # One frame after the other: the live server's threads share one SQLite connection
        # in the embedded test run, where two first computations at once can trip each other.
        page.set_content(
            f'<iframe id="embed" src="{live_server.url}/embedded/{token}" width="900" height="500"></iframe>'
        )
        embed = page.frame_locator("#embed")
        embed.locator("canvas").first.wait_for(timeout=20_000)
        page.evaluate(
            """(src) => new Promise((done) => {
                const frame = Object.assign(document.createElement("iframe"), {id: "shared", src});
                frame.width = 900; frame.height = 500;
                frame.onload = () => done();
                setTimeout(done, 15000);  // a refused frame may never report a load
                document.body.appendChild(frame);
            })""",
            f"{live_server.url}/shared/{token}",
        )
        frames = {frame.url.split("/")[-2]: frame for frame in page.frames if "/" in frame.url}
        drawn = frames["embedded"].evaluate(READ_PAGE)
        assert plotted(drawn)[0] == PAGEVIEWS_PER_DAY
        screenshot(page, "embedded-in-iframe")
        # X-Frame-Options DENY: the shared page never renders inside another page.
        assert frames.get("shared") is None or frames["shared"].evaluate("() => !window.insightPage")
    finally:
        context.close()
