"""Options a query node carries are computed as PostHog does or refused by name (400 with
``attr``): unknown node fields, options not built, math_multiplier, filters_override."""

from __future__ import annotations

import json

import pytest

from analytics.models import Insight
from tests.engine_events import store_events
from tests.query_api import post_query as _query

pytestmark = pytest.mark.django_db
RANGE = {"date_from": "2020-01-10", "date_to": "2020-01-12"}


def _trends(**fields) -> dict:
    return {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "buy"}],
        "dateRange": RANGE,
        **fields,
    }


@pytest.fixture
def events(api, team, clickhouse):
    # buy: 10 (Chrome) + 20 (Safari) on the 10th, 5 (Chrome) on the 11th.
    store_events(
        api,
        team,
        [
            {
                "event": "buy",
                "distinct_id": "a",
                "timestamp": "2020-01-10T12:00:00Z",
                "properties": {"amount": 10, "$browser": "Chrome"},
            },
            {
                "event": "buy",
                "distinct_id": "b",
                "timestamp": "2020-01-10T13:00:00Z",
                "properties": {"amount": 20, "$browser": "Safari"},
            },
            {
                "event": "buy",
                "distinct_id": "a",
                "timestamp": "2020-01-11T12:00:00Z",
                "properties": {"amount": 5, "$browser": "Chrome"},
            },
        ],
    )
    return team


@pytest.mark.parametrize(
    ("node", "attr"),
    [
        (_trends(seriez=[]), "seriez"),
        (
            _trends(trendsFilter={"breakdown_histogram_bin_count": 3}),
            "trendsFilter__breakdown_histogram_bin_count",
        ),
        (
            {
                "kind": "StickinessQuery",
                "series": [{"kind": "EventsNode", "event": "buy"}],
                "intervalCount": 2,
            },
            "intervalCount",
        ),
        (
            {"kind": "RetentionQuery", "retentionFilter": {"timeWindowMode": "24_hour_windows"}},
            "retentionFilter__timeWindowMode",
        ),
        (
            {
                "kind": "RetentionQuery",
                "retentionFilter": {"aggregationType": "sum", "aggregationProperty": "x"},
            },
            "retentionFilter__aggregationType",
        ),
        (
            {"kind": "RetentionQuery", "retentionFilter": {"retentionCustomBrackets": [1, 2]}},
            "retentionFilter__retentionCustomBrackets",
        ),
        (
            {
                "kind": "FunnelsQuery",
                "series": [
                    {"kind": "EventsNode", "event": "a"},
                    {"kind": "EventsNode", "event": "b", "optionalInFunnel": True},
                    {"kind": "EventsNode", "event": "c"},
                ],
            },
            "series__1__optionalInFunnel",
        ),
        ({"kind": "PathsQuery", "pathsFilterr": {}}, "pathsFilterr"),
        ({"kind": "InsightVizNode", "source": {"kind": "LifecycleQuery", "series": [], "bogus": 1}}, "bogus"),
    ],
)
def test_unknown_or_unbuilt_options_are_400_naming_them(api, team, node, attr):
    response = _query(api, team, node)
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == attr
    # the async path refuses it at once too
    assert _query(api, team, node, refresh="force_async").status_code == 400


def test_known_display_options_and_calendar_retention_are_accepted(api, team, events):
    node = _trends(trendsFilter={"showLegend": True, "display": "ActionsTable"}, tags={"productKey": "x"})
    assert _query(api, team, node).status_code == 200
    retention = {
        "kind": "RetentionQuery",
        "dateRange": RANGE,
        "retentionFilter": {"timeWindowMode": "strict_calendar_dates", "totalIntervals": 2},
    }
    assert _query(api, team, retention).status_code == 200


def test_math_multiplier_scales_property_values(api, team, events):
    series = {"kind": "EventsNode", "event": "buy", "math": "sum", "math_property": "amount"}
    plain = _query(api, team, _trends(series=[series])).json()["results"][0]
    assert plain["data"] == [30.0, 5.0, 0.0]
    doubled = _query(api, team, _trends(series=[{**series, "math_multiplier": 2.5}])).json()["results"][0]
    assert doubled["data"] == [75.0, 12.5, 0.0]  # (10 + 20) * 2.5, 5 * 2.5
    biggest = _query(api, team, _trends(series=[{**series, "math": "max", "math_multiplier": -1}]))
    assert biggest.json()["results"][0]["data"] == [-10.0, -5.0, 0.0]  # max of -10, -20; -5
    # counting maths have no property: PostHog leaves them as they are
    counted = _query(
        api, team, _trends(series=[{"kind": "EventsNode", "event": "buy", "math_multiplier": 3}])
    )
    assert counted.json()["results"][0]["data"] == [2, 1, 0]
    bad = _query(api, team, _trends(series=[{**series, "math_multiplier": "x"}]))
    assert bad.status_code == 400 and bad.json()["attr"] == "series__0__math_multiplier"


def test_filters_override_on_query(api, team, events):
    override = {
        "date_from": "2020-01-11",
        "date_to": "2020-01-11",
        "properties": [{"key": "$browser", "value": "Chrome", "type": "event"}],
    }
    response = _query(api, team, _trends(), filters_override=override)
    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    assert result["days"] == ["2020-01-11"] and result["data"] == [1]
    broken = _query(api, team, _trends(), filters_override={"date_frm": "-7d"})
    assert broken.status_code == 400 and broken.json()["attr"] == "filters_override__date_frm"
    by_browser = _query(
        api, team, _trends(), filters_override={"breakdown_filter": {"breakdown": "$browser"}}
    )
    labels = sorted(r["breakdown_value"] for r in by_browser.json()["results"])
    assert labels == ["Chrome", "Safari"]
    variables = _query(api, team, _trends(), variables_override={"v": {"value": 1}})
    assert variables.status_code == 400 and variables.json()["attr"] == "variables_override"


def test_filters_override_on_insight_retrieve(api, team, events):
    insight = Insight.objects.create(
        team=team, name="buys", query={"kind": "InsightVizNode", "source": _trends()}
    )
    url = f"/api/projects/{team.id}/insights/{insight.id}/"
    whole = api.get(url, {"refresh": "blocking"}).json()["result"][0]
    assert whole["data"] == [2, 1, 0]
    override = json.dumps({"properties": [{"key": "$browser", "value": "Safari", "type": "event"}]})
    narrowed = api.get(url, {"refresh": "blocking", "filters_override": override})
    assert narrowed.status_code == 200, narrowed.content
    assert narrowed.json()["result"][0]["data"] == [1, 0, 0]
    bad = api.get(url, {"refresh": "blocking", "filters_override": "{not json"})
    assert bad.status_code == 400 and bad.json()["attr"] == "filters_override"
    env = api.get(
        f"/api/environments/{team.id}/insights/{insight.id}/",
        {"refresh": "blocking", "filters_override": override},
    )
    assert env.json()["result"][0]["data"] == [1, 0, 0]


def test_filters_override_explicit_date_keeps_the_exact_time(api, team, events):
    # 10th: buys at 12:00 (Chrome) and 13:00 (Safari); 11th: 12:00.
    override = {"date_from": "2020-01-10T12:30:00", "date_to": "2020-01-11T23:59:59"}
    rounded = _query(api, team, _trends(), filters_override=override).json()["results"][0]
    assert rounded["data"] == [2, 1]  # date_from rounded to the start of the 10th: both buys count
    exact = _query(api, team, _trends(), filters_override={**override, "explicitDate": True})
    assert exact.status_code == 200, exact.content
    assert exact.json()["results"][0]["data"] == [1, 1]  # from 12:30: only the 13:00 buy on the 10th
    # The override replaces the whole range, as PostHog does: date_to is its own, not the node's.
    moved = _query(
        api, team, _trends(), filters_override={"date_from": "2020-01-11", "date_to": "2020-01-12"}
    )
    assert moved.json()["results"][0]["data"] == [1, 0]
    alone = _query(api, team, _trends(), filters_override={"explicitDate": True})
    assert alone.status_code == 400 and alone.json()["attr"] == "filters_override__explicitDate"
    wrong = _query(api, team, _trends(), filters_override={**override, "explicitDate": "yes"})
    assert wrong.status_code == 400 and wrong.json()["attr"] == "filters_override__explicitDate"
