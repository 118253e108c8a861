"""ActorsQuery over trends data points (InsightActorsQuery) through POST /query/.

Fixture (2020-01, UTC), each person's email set by ``$set``:

| person | $browser | events |
|---|---|---|
| p1 | Chrome  | $pageview Jan 9 ×2, Jan 11; signup Jan 11 |
| p2 | Firefox | $pageview Jan 9, Jan 12 |
| p3 | Chrome  | $pageview Jan 12 ×3 |
| p4 | Safari  | $pageview Jan 15 |
| p5 | —       | signup Jan 12 |
"""

from __future__ import annotations

import pytest

from tests.engine_events import store_events
from tests.factories import make_org_with_team

BROWSER = {"p1": "Chrome", "p2": "Firefox", "p3": "Chrome", "p4": "Safari", "p5": None}
EVENTS = [
    ("p1", "$pageview", 9),
    ("p1", "$pageview", 9),
    ("p1", "$pageview", 11),
    ("p1", "signup", 11),
    ("p2", "$pageview", 9),
    ("p2", "$pageview", 12),
    ("p3", "$pageview", 12),
    ("p3", "$pageview", 12),
    ("p3", "$pageview", 12),
    ("p4", "$pageview", 15),
    ("p5", "signup", 12),
]
RANGE = {"date_from": "2020-01-08", "date_to": "2020-01-16"}
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview"}


@pytest.fixture
def people(api, team, clickhouse):
    events = []
    for n, (person, name, day) in enumerate(EVENTS):
        properties = {"$set": {"email": f"{person}@x.io"}}
        if BROWSER[person]:
            properties["$browser"] = BROWSER[person]
        events.append(
            {
                "event": name,
                "distinct_id": person,
                "timestamp": f"2020-01-{day:02d}T{10 + n % 5:02d}:00:00Z",
                "properties": properties,
            }
        )
    store_events(api, team, events)
    return team


def post(api, team, query, status=200):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == status, response.json()
    return response.json()


def trends(**fields):
    return {"kind": "TrendsQuery", "series": [PAGEVIEW], "dateRange": RANGE, **fields}


def actors(api, team, source, status=200, **fields):
    query = {"kind": "ActorsQuery", "source": {"kind": "InsightActorsQuery", **source}, **fields}
    return post(api, team, query, status)


def emails(body):
    return sorted(row[0]["properties"]["email"] for row in body["results"])


def test_persons_of_a_day_with_event_counts(api, people):
    body = actors(
        api,
        people,
        {"source": trends(), "day": "2020-01-09"},
        select=["person", "event_count", "properties.email", "distinct_ids"],
    )
    assert body["columns"] == ["person", "event_count", "properties.email", "distinct_ids"]
    rows = [(r[2], r[1], r[3]) for r in body["results"]]
    assert rows == [("p1@x.io", 2, ["p1"]), ("p2@x.io", 1, ["p2"])]  # event_count DESC by default
    person = body["results"][0][0]
    assert set(person) == {"id", "distinct_ids", "properties", "is_identified", "created_at"}
    assert person["distinct_ids"] == ["p1"] and person["properties"]["email"] == "p1@x.io"
    assert body["hasMore"] is False and body["limit"] == 100
    body = actors(api, people, {"source": trends(), "day": "2020-01-12"}, select=["person", "event_count"])
    assert [(r[0]["properties"]["email"], r[1]) for r in body["results"]] == [("p3@x.io", 3), ("p2@x.io", 1)]
    body = actors(api, people, {"source": trends(), "day": "2020-01-10"})
    assert body["results"] == []


def test_default_columns(api, people):
    body = actors(api, people, {"source": trends(), "day": "2020-01-11"})
    assert body["columns"] == ["person", "id", "person.$delete", "event_distinct_ids"]
    (row,) = body["results"]
    assert row[0]["properties"]["email"] == "p1@x.io" and row[1] == row[0]["id"]
    assert row[2] is None and row[3] == ["p1"]


def _check_every_point(api, team, query, *, by_events):
    """For every data point: the actors (or their events) add up to the number shown."""
    checked = 0
    results = post(api, team, query)["results"]
    for entry in results:
        # A previous-period point is asked for by its current-period day (the x axis).
        days = results[0]["days"] if entry.get("compare_label") == "previous" else entry["days"]
        for day, value in zip(days, entry["data"], strict=True):
            selector = {"source": query, "day": day, "series": entry["order"]}
            if "breakdown_value" in entry:
                selector["breakdown"] = entry["breakdown_value"]
            if entry.get("compare_label"):
                selector["compare"] = entry["compare_label"]
            body = actors(api, team, selector, select=["id", "event_count"], limit=1000)
            found = sum(r[1] for r in body["results"]) if by_events else len(body["results"])
            assert found == value, (entry.get("breakdown_value"), entry.get("compare_label"), day)
            checked += 1
    return checked


@pytest.mark.parametrize(
    ("math", "by_events"),
    [("total", True), ("dau", False), ("weekly_active", False), ("first_time_for_user", False)],
)
def test_actor_count_equals_every_data_point(api, people, math, by_events):
    series = [{**PAGEVIEW, "math": math}, {"kind": "EventsNode", "event": "signup", "math": math}]
    assert _check_every_point(api, people, trends(series=series), by_events=by_events) == 18


def test_every_point_with_breakdown_and_compare(api, people):
    query = trends(
        series=[{**PAGEVIEW, "math": "dau"}],
        breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"},
        compareFilter={"compare": True},
        dateRange={"date_from": "2020-01-12", "date_to": "2020-01-15"},
    )
    assert (
        _check_every_point(api, people, query, by_events=False) == (3 + 2) * 4
    )  # (browsers now + browsers before) × days
    chrome_before = actors(
        api,
        people,
        {"source": query, "day": "2020-01-13", "breakdown": "Chrome", "compare": "previous"},
        select=["properties.email"],
    )
    assert chrome_before["results"] == [["p1@x.io"]]  # Jan 13 shifted back 4 days: Jan 9


def test_breakdown_other_bucket(api, people):
    query = trends(breakdownFilter={"breakdown": "$browser", "breakdown_limit": 1})
    body = post(api, people, query)
    assert [e["breakdown_value"] for e in body["results"]] == ["Chrome", "$$_posthog_breakdown_other_$$"]
    assert _check_every_point(api, people, query, by_events=True) == 2 * 9
    other = actors(
        api,
        people,
        {"source": query, "day": "2020-01-12", "breakdown": "$$_posthog_breakdown_other_$$"},
        select=["properties.email"],
    )
    assert other["results"] == [["p2@x.io"]]


def test_total_value_display(api, people):
    query = trends(trendsFilter={"display": "BoldNumber"}, series=[{**PAGEVIEW, "math": "dau"}])
    (entry,) = post(api, people, query)["results"]
    body = actors(api, people, {"source": query}, select=["properties.email"])
    assert sorted(r[0] for r in body["results"]) == ["p1@x.io", "p2@x.io", "p3@x.io", "p4@x.io"]
    assert entry["aggregated_value"] == 4
    refused = actors(api, people, {"source": query, "day": "2020-01-09"}, status=400)
    assert refused["attr"] == "source__day"


def test_search_order_and_paging(api, people):
    source = {
        "source": trends(
            dateRange={"date_from": "2020-01-08", "date_to": "2020-01-16"},
            trendsFilter={"display": "ActionsTable"},
        )
    }
    body = actors(api, people, source, select=["properties.email"], search="P3@X")
    assert body["results"] == [["p3@x.io"]]
    body = actors(api, people, source, select=["properties.email"], orderBy=["person"])
    assert [r[0] for r in body["results"]] == ["p1@x.io", "p2@x.io", "p3@x.io", "p4@x.io"]
    pages = [
        actors(api, people, source, select=["properties.email"], orderBy=["person DESC"], limit=3, offset=o)
        for o in (0, 3)
    ]
    assert [[r[0] for r in p["results"]] for p in pages] == [["p4@x.io", "p3@x.io", "p2@x.io"], ["p1@x.io"]]
    assert [p["hasMore"] for p in pages] == [True, False]


def test_plain_persons_list_both_prefixes_and_isolation(api, people):
    _, other = make_org_with_team("Globex")
    store_events(
        api, other, [{"event": "$pageview", "distinct_id": "spy", "timestamp": "2020-01-09T10:00:00Z"}]
    )
    query = {"kind": "ActorsQuery", "select": ["properties.email"], "orderBy": ["person"]}
    for prefix in ("projects", "environments"):
        response = api.post(f"/api/{prefix}/{people.id}/query/", {"query": query}, format="json")
        assert [r[0] for r in response.json()["results"]] == [f"p{i}@x.io" for i in range(1, 6)]
    response = api.post(f"/api/projects/{other.id}/query/", {"query": query}, format="json")
    assert response.status_code in (403, 404)


def test_refusals(api, people):
    day = {"source": trends(), "day": "2020-01-09"}
    assert actors(api, people, {"source": trends()}, status=400)["attr"] == "source__day"
    assert actors(api, people, {**day, "day": "2020-02-01"}, status=400)["attr"] == "source__day"
    assert actors(api, people, {**day, "series": 3}, status=400)["attr"] == "source__series"
    assert actors(api, people, {**day, "breakdown": "Chrome"}, status=400)["attr"] == "source__breakdown"
    assert actors(api, people, {**day, "bogus": 1}, status=400)["attr"] == "source__bogus"
    assert actors(api, people, day, select=["nope"], status=400)["attr"] == "select__0"
    assert actors(api, people, day, select=["count()"], status=400)["attr"] == "select__0"
    assert actors(api, people, day, properties=[{"key": "a"}], status=400)["attr"] == "properties"


def test_insight_actors_query_options(api, people):
    query = trends(
        breakdownFilter={"breakdown": "$browser", "breakdown_type": "event"},
        compareFilter={"compare": True},
        dateRange={"date_from": "2020-01-12", "date_to": "2020-01-14"},
    )
    source = {"kind": "InsightActorsQuery", "source": query, "day": "2020-01-12"}
    body = post(api, people, {"kind": "InsightActorsQueryOptions", "source": source})
    assert [d["value"] for d in body["day"]] == ["2020-01-12", "2020-01-13", "2020-01-14"]
    assert body["series"] == [{"label": "$pageview", "value": 0}]
    assert [c["value"] for c in body["compare"]] == ["current", "previous"]
    # Browsers seen now (Chrome, Firefox) and in the period before (Chrome, Firefox on Jan 9).
    assert sorted(b["value"] for b in body["breakdown"]) == ["Chrome", "Firefox"]
    assert body["status"] is None
    lifecycle = {"kind": "LifecycleQuery", "series": [PAGEVIEW], "dateRange": RANGE}
    source = {"kind": "InsightActorsQuery", "source": lifecycle}
    body = post(api, people, {"kind": "InsightActorsQueryOptions", "source": source})
    assert [s["value"] for s in body["status"]] == ["dormant", "new", "resurrecting", "returning"]
    assert len(body["day"]) == 9 and body["breakdown"] is None
