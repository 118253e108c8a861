"""Bounded work: a node asking for a result past a configured size is a 400 naming the setting
before anything runs; ClickHouse's memory and result limits are set on every client query
and answer a 400 naming the setting (never ClickHouse's text)."""

from __future__ import annotations

import time

import pytest

from query_engine.backends import get_backend
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
    # buy on the 10th by a, b, c, d (four browsers), on the 11th by a.
    rows = [
        {"event": "buy", "distinct_id": d, "timestamp": "2020-01-10T12:00:00Z", "properties": {"$browser": b}}
        for d, b in (("a", "Chrome"), ("b", "Safari"), ("c", "Firefox"), ("d", "Edge"))
    ]
    rows.append(
        {
            "event": "buy",
            "distinct_id": "a",
            "timestamp": "2020-01-11T12:00:00Z",
            "properties": {"$browser": "Chrome"},
        }
    )
    store_events(api, team, rows)
    return team


def test_the_10_gb_request_is_refused_at_once(api, team, clickhouse):
    # 30 series x (100,000 + other) breakdown values x 8,761 hours: ~26 billion values.
    node = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": f"e{i}"} for i in range(30)],
        "breakdownFilter": {"breakdown": "$session_id", "breakdown_type": "event", "breakdown_limit": 100000},
        "interval": "hour",
        "dateRange": {"date_from": "-1y"},
    }
    # The process's first request imports and warms the views (~1 s cold); measure the work.
    assert _query(api, team, {"kind": "TrendsQuery", "warm": 1}).status_code == 400
    for prefix in ("projects", "environments"):
        started = time.monotonic()
        response = _query(api, team, node, prefix=prefix)
        elapsed = time.monotonic() - started
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "result_too_large" and body["attr"] == "breakdownFilter__breakdown_limit"
        assert "QUERY_MAX_RESULT_CELLS" in body["detail"]
        assert elapsed < 1.0, elapsed


def test_the_bound_is_the_setting(api, team, events, settings):
    settings.QUERY_MAX_RESULT_CELLS = 20
    # 1 series x (5 values + other) x 3 days = 18 <= 20: runs. Four browsers on the 10th.
    fits = _query(api, team, _trends(breakdownFilter={"breakdown": "$browser", "breakdown_limit": 5}))
    assert fits.status_code == 200, fits.content
    assert sorted(r["breakdown_value"] for r in fits.json()["results"]) == [
        "Chrome",
        "Edge",
        "Firefox",
        "Safari",
    ]
    # 1 x (6 + 1) x 3 = 21 > 20: refused, naming the setting.
    over = _query(api, team, _trends(breakdownFilter={"breakdown": "$browser", "breakdown_limit": 6}))
    assert over.status_code == 400 and "QUERY_MAX_RESULT_CELLS setting (20)" in over.json()["detail"]
    # Without a breakdown: 7 series x 3 days = 21 > 20, attr names the series.
    many = _trends(series=[{"kind": "EventsNode", "event": "buy"}] * 7)
    refused = _query(api, team, many)
    assert refused.status_code == 400 and refused.json()["attr"] == "series"
    # A total-value display has one value per breakdown: 1 x 7 x 1 = 7.
    table = _trends(
        breakdownFilter={"breakdown": "$browser", "breakdown_limit": 6},
        trendsFilter={"display": "ActionsTable"},
    )
    assert _query(api, team, table).status_code == 200
    # Stickiness: 7 series x 3 days = 21 > 20.
    sticky = {**many, "kind": "StickinessQuery"}
    assert _query(api, team, sticky).json()["attr"] == "series"


@pytest.mark.parametrize(
    ("node", "setting", "attr"),
    [
        (
            {"kind": "RetentionQuery", "retentionFilter": {"totalIntervals": 6}},
            "QUERY_MAX_RETENTION_INTERVALS",
            "retentionFilter__totalIntervals",
        ),
        (
            {"kind": "PathsQuery", "pathsFilter": {"includeEventTypes": ["$pageview"], "edgeLimit": 6}},
            "QUERY_MAX_PATHS_EDGES",
            "pathsFilter__edgeLimit",
        ),
        ({"kind": "ActorsQuery", "limit": 6}, "QUERY_MAX_ACTORS_ROWS", "limit"),
    ],
)
def test_size_knobs_refuse_by_name(api, team, clickhouse, settings, node, setting, attr):
    setattr(settings, setting, 5)
    response = _query(api, team, node)
    assert response.status_code == 400, response.content
    assert response.json()["attr"] == attr and setting in response.json()["detail"]
    setattr(settings, setting, 6)
    assert _query(api, team, node).status_code == 200


def test_clickhouse_limits_are_set_on_every_client_query(api, team, events, settings, monkeypatch):
    seen: list[dict] = []
    backend = get_backend()
    original = backend.execute

    def spy(sql, params=None, *, settings=None, **kwargs):
        seen.append(dict(settings or {}))
        return original(sql, params, settings=settings, **kwargs)

    monkeypatch.setattr(backend, "execute", spy)
    settings.CLICKHOUSE_MAX_MEMORY_USAGE = 123_000_000
    assert _query(api, team, _trends()).status_code == 200
    hogql = {"kind": "HogQLQuery", "query": "select count() from events"}
    assert _query(api, team, hogql).status_code == 200
    limited = [s for s in seen if "max_execution_time" in s]
    assert len(limited) >= 2
    for used in limited:
        assert used["max_memory_usage"] == 123_000_000
        assert used["max_result_rows"] == settings.CLICKHOUSE_MAX_RESULT_ROWS
        assert used["max_result_bytes"] == settings.CLICKHOUSE_MAX_RESULT_BYTES
        assert used["result_overflow_mode"] == "throw"


@pytest.mark.parametrize(
    ("setting", "value"),
    [("CLICKHOUSE_MAX_RESULT_ROWS", 2), ("CLICKHOUSE_MAX_MEMORY_USAGE", 1)],
)
def test_clickhouse_limit_errors_are_a_clear_400(api, team, events, settings, setting, value):
    setattr(settings, setting, value)
    # Four browsers x days: more than 2 result rows.
    response = _query(api, team, _trends(breakdownFilter={"breakdown": "$browser"}))
    assert response.status_code == 400, response.content
    body = response.json()
    assert setting in body["detail"] and body["code"] == "query_too_large"
    assert "Code:" not in body["detail"] and "DB::Exception" not in response.content.decode()
