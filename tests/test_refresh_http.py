"""The seven refresh modes through HTTP on a real trends insight, with a real Celery worker.

Fixture: 3 ``$pageview`` events an hour ago; the insight counts pageviews per
day over the last 7 days (an open range, interval day: stale after 6 h, lazily
stale after 12 h). After the cache is warmed, 2 more events arrive, so a
response computed now counts 5 while the cached one still counts 3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.async_helpers import age_cached, poll
from tests.engine_events import store_events

TRENDS = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}],
    "interval": "day",
    "dateRange": {"date_from": "-7d"},
}
AGES = {"stale": timedelta(hours=7), "very_stale": timedelta(hours=13)}


def _pageviews(api, team, count: int, start: int) -> None:
    moment = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    events = [
        {"event": "$pageview", "distinct_id": f"u{start + i}", "timestamp": moment} for i in range(count)
    ]
    store_events(api, team, events)


def _total(result) -> float | None:
    return None if result is None else result[0]["count"]


@pytest.fixture
def insight(api, team, clickhouse):
    _pageviews(api, team, 3, 0)
    response = api.post(
        f"/api/projects/{team.id}/insights/",
        {"name": "Pageviews", "query": {"kind": "InsightVizNode", "source": TRENDS}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _get(api, team, insight, refresh: str):
    response = api.get(f"/api/projects/{team.id}/insights/{insight['id']}/", {"refresh": refresh})
    assert response.status_code == 200, response.json()
    return response.json()


# (mode, cache state) → (count returned: 3 cached, 5 computed now, None miss; job enqueued)
EXPECTED = {
    ("force_cache", "warm"): (3, False),
    ("force_cache", "stale"): (3, False),
    ("force_cache", "empty"): (None, False),
    ("blocking", "warm"): (3, False),
    ("blocking", "stale"): (5, False),
    ("blocking", "empty"): (5, False),
    ("async", "warm"): (3, False),
    ("async", "stale"): (3, True),
    ("async", "empty"): (None, True),
    ("lazy_async", "warm"): (3, False),
    ("lazy_async", "stale"): (3, False),
    ("lazy_async", "very_stale"): (3, True),
    ("lazy_async", "empty"): (None, True),
    ("force_blocking", "warm"): (5, False),
    ("force_blocking", "stale"): (5, False),
    ("force_blocking", "empty"): (5, False),
    ("force_async", "warm"): (None, True),
    ("force_async", "stale"): (None, True),
    ("force_async", "empty"): (None, True),
    ("async_except_on_cache_miss", "warm"): (3, False),
    ("async_except_on_cache_miss", "stale"): (3, True),
    ("async_except_on_cache_miss", "empty"): (5, False),
}


@pytest.mark.parametrize(("mode", "state"), list(EXPECTED), ids=[f"{m}-{s}" for m, s in EXPECTED])
def test_insight_refresh_mode(mode, state, api, team, insight, celery_worker):
    expected_count, enqueued = EXPECTED[(mode, state)]
    before = None
    if state != "empty":
        warm = _get(api, team, insight, "blocking")
        assert _total(warm["result"]) == 3 and warm["is_cached"] is False
        before = warm["last_refresh"]
        if state in AGES:
            before = age_cached(warm["filters_hash"], AGES[state])
    _pageviews(api, team, 2, 3)

    body = _get(api, team, insight, mode)

    assert _total(body["result"]) == expected_count
    assert body["is_cached"] is (expected_count == 3)
    if expected_count is None:
        assert body["last_refresh"] is None
    elif expected_count == 3:
        assert body["last_refresh"] == before
    else:
        assert body["last_refresh"] > (before or "") and body["cache_target_age"] > body["last_refresh"]
    status = body["query_status"]
    assert (status is not None) is enqueued
    if not enqueued:
        return
    # Insight jobs are named by the cache key, so clients can poll them.
    assert status["id"] == body["filters_hash"] and status["complete"] is False and status["error"] is False
    done = poll(api, team.id, status["id"])
    assert done.status_code == 200, done.json()
    assert _total(done.json()["query_status"]["results"]["results"]) == 5
    after = _get(api, team, insight, "force_cache")
    assert _total(after["result"]) == 5 and after["is_cached"] is True and after["query_status"] is None
    assert after["last_refresh"] > (before or "")


def test_list_with_async_refresh_enqueues_per_insight(api, team, insight, celery_worker):
    listed = api.get(f"/api/projects/{team.id}/insights/", {"refresh": "async"}).json()["results"]
    (only,) = listed
    assert only["result"] is None and only["query_status"]["complete"] is False
    done = poll(api, team.id, only["query_status"]["id"])
    assert _total(done.json()["query_status"]["results"]["results"]) == 3
    listed = api.get(f"/api/projects/{team.id}/insights/").json()["results"]
    assert _total(listed[0]["result"]) == 3 and listed[0]["is_cached"] is True


def test_query_endpoint_async_answers_202_and_polls_by_client_query_id(api, team, clickhouse, celery_worker):
    _pageviews(api, team, 3, 0)
    url = f"/api/projects/{team.id}/query/"
    response = api.post(
        url, {"query": TRENDS, "refresh": "async", "client_query_id": "my-trends"}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert body["results"] is None and body["query_status"]["id"] == "my-trends"
    done = poll(api, team.id, "my-trends")
    assert done.status_code == 200 and _total(done.json()["query_status"]["results"]["results"]) == 3
    # Now cached: the same async request answers 200 from the cache with nothing queued.
    again = api.post(
        url, {"query": TRENDS, "refresh": "async", "client_query_id": "my-trends-2"}, format="json"
    )
    assert again.status_code == 200
    assert _total(again.json()["results"]) == 3 and again.json()["is_cached"] is True
    assert again.json()["query_status"] is None
    # The deprecated boolean "async" means refresh=async.
    forced = api.post(url, {"query": TRENDS, "async": True}, format="json")
    assert forced.status_code == 200 and forced.json()["is_cached"] is True


def test_query_endpoint_force_async_returns_only_a_status(api, team, clickhouse, celery_worker):
    _pageviews(api, team, 2, 0)
    url = f"/api/projects/{team.id}/query/"
    response = api.post(url, {"query": TRENDS, "refresh": "force_async"}, format="json")
    assert response.status_code == 202
    query_id = response.json()["query_status"]["id"]
    assert len(query_id) == 32  # a fresh uuid hex when no client_query_id is given
    done = poll(api, team.id, query_id)
    assert _total(done.json()["query_status"]["results"]["results"]) == 2


def test_two_clients_refreshing_a_stale_insight_compute_once(
    api, owner, team, insight, celery_worker, monkeypatch
):
    import threading
    import time

    from rest_framework.test import APIClient

    from query_engine.runners.trends.runner import TrendsRunner

    warm = _get(api, team, insight, "blocking")
    age_cached(warm["filters_hash"], AGES["stale"])
    _pageviews(api, team, 2, 3)
    calls = []
    real = TrendsRunner.calculate

    def slow_counted(self):
        calls.append(1)
        time.sleep(0.5)  # keeps the first computation running while the second client asks
        return real(self)

    monkeypatch.setattr(TrendsRunner, "calculate", slow_counted)
    bodies = []

    def ask():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner.key}")
        bodies.append(_get(client, team, insight, "blocking"))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join(30)
    assert len(calls) == 1
    assert [_total(b["result"]) for b in bodies] == [5, 5]
    assert bodies[0]["last_refresh"] == bodies[1]["last_refresh"]
