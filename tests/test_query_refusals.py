"""Query inputs answered with a 4xx in the envelope (or PostHog's null), never a 500,
a silent "today", or ClickHouse's error text."""

from __future__ import annotations

import json
import time

import pytest

from analytics.models import Insight
from tests.engine_events import store_events
from tests.query_api import post_query as _query

pytestmark = pytest.mark.django_db
RANGE = {"date_from": "2020-01-10", "date_to": "2020-01-13"}


def _trends(**fields) -> dict:
    return {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": RANGE,
        **fields,
    }


@pytest.fixture
def events(api, team, clickhouse):
    store_events(
        api,
        team,
        [
            {
                "event": "$pageview",
                "distinct_id": f"p{i}",
                "timestamp": f"2020-01-{day}T12:00:00Z",
                "properties": {"$browser": "Chrome"},
            }
            for i, day in enumerate(["10", "11", "11", "12"])
        ],
    )
    return team


@pytest.mark.parametrize("date", ["-1000000d", "-99999999y", "-999999999999h", "-2000y"])
def test_relative_date_overflow_is_400(api, team, date):
    response = _query(api, team, _trends(dateRange={"date_from": date}))
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == "dateRange__date_from"
    legacy = api.get(
        f"/api/projects/{team.id}/insights/trend/", {"events": '[{"id": "$pageview"}]', "date_from": date}
    )
    assert legacy.status_code == 400, legacy.content
    listed = api.get(f"/api/projects/{team.id}/insights/", {"date_from": date})
    assert listed.status_code == 400 and listed.json()["attr"] == "date_from"


@pytest.mark.parametrize("date", ["last week", "yesterday-ish", "-7 days", "7dd", "today"])
def test_relative_dates_outside_posthogs_grammar_are_400(api, team, date):
    response = _query(api, team, _trends(dateRange={"date_from": date}))
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == "dateRange__date_from"
    funnel = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
        "dateRange": {"date_from": date},
    }
    assert _query(api, team, funnel).status_code == 400


def test_list_filter_by_absolute_date_works(api, team):
    old = Insight.objects.create(team=team, name="old", filters={"insight": "TRENDS"})
    Insight.objects.filter(pk=old.pk).update(last_modified_at="2025-06-01T00:00:00Z")
    new = Insight.objects.create(team=team, name="new", filters={"insight": "TRENDS"})
    response = api.get(f"/api/projects/{team.id}/insights/", {"date_from": "2026-01-01"})
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [new.id]
    response = api.get(f"/api/projects/{team.id}/insights/", {"date_to": "2026-01-01T00:00:00"})
    assert [row["id"] for row in response.json()["results"]] == [old.id]


def test_async_query_with_an_invalid_node_is_400_at_once(api, team):
    bad = _trends(interval="fortnight")
    started = time.monotonic()
    response = _query(api, team, bad, refresh="force_async")
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == "interval"
    response = _query(api, team, {"kind": "NoSuchQuery"}, refresh="async")
    assert response.status_code == 400 and response.json()["attr"] == "query__kind"
    assert time.monotonic() - started < 2


def test_formula_that_overflows_is_null_not_a_500(api, events):
    node = _trends(
        series=[{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$pageview"}],
        trendsFilter={"formula": "A * 1e308 * 10 + B"},
    )
    response = _query(api, events, node)
    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    # Jan 10..13: A = 1, 2, 1, 0 → infinite except on Jan 13 (0 * 1e308 * 10 + 0 = 0)
    assert result["data"] == [None, None, None, 0.0]
    assert result["count"] == 0.0
    bold = _query(api, events, {**node, "trendsFilter": {**node["trendsFilter"], "display": "BoldNumber"}})
    assert bold.status_code == 200 and bold.json()["results"][0]["aggregated_value"] is None


def test_ten_thousand_property_filters_is_400_too_many_filters(api, team):
    filters = [{"key": f"k{i}", "value": "v", "operator": "exact", "type": "event"} for i in range(10_000)]
    started = time.monotonic()
    response = _query(api, team, _trends(properties=filters))
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "too_many_filters" and "Too many filters" in body["detail"]
    nested = _trends(properties={"type": "AND", "values": [{"type": "OR", "values": filters[:1001]}]})
    assert _query(api, team, nested).json()["code"] == "too_many_filters"
    legacy = api.get(
        f"/api/projects/{team.id}/insights/trend/",
        {"events": '[{"id": "$pageview"}]', "properties": json.dumps(filters)},
    )
    assert legacy.status_code == 400 and legacy.json()["code"] == "too_many_filters"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("pattern", ["(", "'\\", "[z-a]", "a{2,1}"])
def test_invalid_regex_is_400_naming_the_field(api, events, pattern):
    node = _trends(properties=[{"key": "$browser", "value": pattern, "operator": "regex", "type": "event"}])
    response = _query(api, events, node)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_regex" and body["detail"].startswith("Invalid regular expression")
    assert body["attr"] == "query__properties__0__value"
    assert "DB::Exception" not in response.content.decode() and "Code:" not in body["detail"]
    paths = {
        "kind": "PathsQuery",
        "dateRange": RANGE,
        "pathsFilter": {"localPathCleaningFilters": [{"regex": pattern, "alias": "x"}]},
    }
    response = _query(api, events, paths)
    assert response.status_code == 400, response.content
    assert "DB::Exception" not in response.content.decode()


@pytest.mark.parametrize(
    ("prop", "attr"),
    [
        ({"key": "$browser", "value": "Chrome", "operator": "equals"}, "properties__0__operator"),
        ({"key": "$browser", "value": "x", "operator": "is_cleaned_path_exact"}, "properties__0__operator"),
        (
            {"key": "flag", "value": True, "operator": "flag_evaluates_to", "type": "flag"},
            "properties__0__type",
        ),
        ({"key": "$browser", "value": "x", "type": "event_metadata"}, "properties__0__type"),
        ({"key": "f", "value": "x", "type": "feature"}, "properties__0__type"),
        ({"key": "r", "value": "x", "type": "recording"}, "properties__0__type"),
        ({"key": "d", "value": "x", "type": "data_warehouse_person_property"}, "properties__0__type"),
        ({"value": "x", "type": "event"}, "properties__0__key"),
        ("not an object", "properties__0"),
    ],
)
def test_unknown_property_type_or_operator_is_400_naming_it(api, events, prop, attr):
    response = _query(api, events, _trends(properties=[prop]))
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == attr
    in_series = _trends(series=[{"kind": "EventsNode", "event": "$pageview", "properties": [prop]}])
    assert _query(api, events, in_series).json()["attr"] == f"series__0__{attr}"
    nested = _trends(properties={"type": "AND", "values": [{"type": "OR", "values": [prop]}]})
    assert _query(api, events, nested).json()["attr"] == attr.replace(
        "properties__0", "properties__values__0__values__0"
    )
