"""Result fields of insights come from the query cache; refresh modes reach the engine."""

from __future__ import annotations

import pytest

from analytics.models import Insight
from analytics.services.team_context import team_context
from query_engine.legacy import registry as legacy_registry
from query_engine.refresh.cache import query_cache_key
from query_engine.runners import registry
from query_engine.runners.base import Staleness

pytestmark = pytest.mark.django_db
QUERY = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode"}]}}


class CountingRunner:
    """Test double for a runner: answers from its input so the glue can be checked exactly."""

    kind = "TrendsQuery"
    timeout_key = "TrendsQuery"
    staleness = Staleness.INTERVAL
    legacy_insight = "TRENDS"
    insight_node = True
    calls = 0

    def __init__(self, *, team, query, user_id=None):
        self.query = query

    def calculate(self):
        CountingRunner.calls += 1
        return {"results": [{"count": len(self.query["series"])}], "hogql": "SELECT 1", "columns": ["count"]}


@pytest.fixture
def runners(monkeypatch):
    """Only the test runner is registered (engines on other branches are out of the picture)."""
    monkeypatch.setattr(registry, "RUNNERS", {"TrendsQuery": CountingRunner})
    monkeypatch.setattr(legacy_registry, "CONVERTERS", {})
    CountingRunner.calls = 0


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


def test_force_cache_miss_then_blocking_then_cached(api, url, team, runners):
    insight = Insight.objects.create(team=team, name="Q", query=QUERY)
    miss = api.get(url(f"{insight.id}/")).json()
    assert miss["result"] is None and miss["last_refresh"] is None and miss["is_cached"] is False
    assert miss["timezone"] is None
    assert miss["filters_hash"] == query_cache_key(team=team_context(team), query=QUERY)
    computed = api.get(url(f"{insight.id}/"), {"refresh": "blocking"}).json()
    # One EventsNode in the series → count 1.
    assert computed["result"] == [{"count": 1}]
    assert computed["is_cached"] is False and computed["last_refresh"] is not None
    assert computed["hogql"] == "SELECT 1" and computed["columns"] == ["count"]
    assert computed["timezone"] == "UTC"
    cached = api.get(url()).json()["results"][0]
    assert cached["result"] == [{"count": 1}] and cached["is_cached"] is True
    assert cached["last_refresh"] == computed["last_refresh"]
    assert cached["filters_hash"] == miss["filters_hash"]
    assert CountingRunner.calls == 1


def test_unsupported_insight_is_a_miss_on_read_and_400_when_computing(api, url, team, runners):
    insight = Insight.objects.create(team=team, name="Old", filters={"insight": "PATHS"})
    listed = api.get(url()).json()["results"][0]
    assert listed["result"] is None and listed["filters"] == {"insight": "PATHS"}
    assert listed["filters_hash"].startswith("cache_")
    response = api.get(url(f"{insight.id}/"), {"refresh": "blocking"})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_basic_list_runs_no_query(api, url, team, runners):
    Insight.objects.create(team=team, name="Q", query=QUERY)
    api.get(url(), {"basic": "1", "refresh": "blocking"})
    assert CountingRunner.calls == 0


def test_saved_insights_compute_real_trends(api, url, team, clickhouse):
    from tests.engine_events import store_events

    # $pageview: two on Jan 9, one on Jan 10 (2020, UTC); a $click on Jan 9 that no series counts.
    store_events(
        api,
        team,
        [
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-01-09T10:00:00Z"},
            {"event": "$pageview", "distinct_id": "b", "timestamp": "2020-01-09T11:00:00Z"},
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-01-10T10:00:00Z"},
            {"event": "$click", "distinct_id": "a", "timestamp": "2020-01-09T12:00:00Z"},
        ],
    )
    date_range = {"date_from": "2020-01-09", "date_to": "2020-01-11"}
    query = {
        "kind": "InsightVizNode",
        "source": {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "dateRange": date_range,
        },
    }
    by_query = api.post(url(), {"name": "Q", "query": query}, format="json").json()
    by_filters = api.post(
        url(),
        {"name": "F", "filters": {"insight": "TRENDS", "events": [{"id": "$pageview"}], **date_range}},
        format="json",
    ).json()
    for created in (by_query, by_filters):
        assert created["result"] is None
        computed = api.get(url(f"{created['id']}/"), {"refresh": "blocking"}).json()
        # Daily counts Jan 9, 10, 11 → 2, 1, 0; total 3.
        assert computed["result"][0]["data"] == [2, 1, 0]
        assert computed["result"][0]["count"] == 3
        assert computed["is_cached"] is False and computed["last_refresh"] is not None
    listed = {item["name"]: item for item in api.get(url()).json()["results"]}
    assert listed["Q"]["is_cached"] is True and listed["Q"]["result"][0]["data"] == [2, 1, 0]
    assert listed["F"]["is_cached"] is True and listed["F"]["result"][0]["data"] == [2, 1, 0]
