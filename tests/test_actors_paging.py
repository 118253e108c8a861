"""Paging over more than 10,000 actors behind one data point: every person once, in a
stable order (event_count DESC, then the person id as the last key)."""

from __future__ import annotations

from tests.engine_events import store_events

PERSONS = 10_050


def test_paging_over_ten_thousand_actors(api, team, clickhouse):
    events = [
        {
            "event": "$pageview",
            "distinct_id": f"u{i}",
            "timestamp": f"2024-01-02T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        }
        for i in range(PERSONS)
    ]
    # u0..u9 come back later that day: two events each, so they lead the order.
    events += [{**events[i], "timestamp": "2024-01-02T23:59:00Z"} for i in range(10)]
    for start in range(0, len(events), 5000):
        store_events(api, team, events[start : start + 5000])
    trends = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-03"},
    }
    (entry,) = api.post(f"/api/projects/{team.id}/query/", {"query": trends}, format="json").json()["results"]
    assert entry["data"] == [0, PERSONS, 0]
    rows, pages = [], []
    query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": trends, "day": "2024-01-02"},
        "select": ["id", "event_count", "distinct_ids"],
    }
    for offset in (0, 5000, 10_000):
        page = {**query, "limit": 5000, "offset": offset}
        body = api.post(f"/api/projects/{team.id}/query/", {"query": page}, format="json").json()
        rows += body["results"]
        pages.append((len(body["results"]), body["hasMore"]))
    assert pages == [(5000, True), (5000, True), (50, False)]
    assert len({r[0] for r in rows}) == PERSONS
    assert sorted(r[2][0] for r in rows[:10]) == sorted(f"u{i}" for i in range(10))
    assert [r[1] for r in rows[:10]] == [2] * 10 and {r[1] for r in rows[10:]} == {1}
    # One page of everything lists them in the same order: ties are broken by the person id.
    whole = {**query, "limit": 20_000}
    body = api.post(f"/api/projects/{team.id}/query/", {"query": whole}, format="json").json()
    assert body["results"] == rows and body["hasMore"] is False
