"""Group analytics in insights, through HTTP: group property filters, breakdowns by a group
property, unique groups, and funnels aggregated by group, over a fixture small enough
to count by hand.

Fixture (2024-01-10, UTC): groups of type company (index 0): acme {plan: pro, seats: 30},
globex {plan: free, seats: 5}; initech is named by events but never identified.

    pageview  u1 acme   x2
    pageview  u2 acme
    pageview  u3 globex
    pageview  u4 initech
    pageview  u5 (no group)
    purchase  u1 acme   (after u1's pageviews)
    purchase  u3 globex (after u3's pageview)
"""

from __future__ import annotations

import pytest

from tests.engine_events import store_events

pytestmark = pytest.mark.clickhouse

DAY = "2024-01-10"
RANGE = {"date_from": DAY, "date_to": DAY}
NULL = "$$_posthog_breakdown_null_$$"


def _event(name, distinct_id, hour, company=None):
    props = {"$groups": {"company": company}} if company else {}
    return {
        "event": name,
        "distinct_id": distinct_id,
        "timestamp": f"{DAY}T{hour:02d}:00:00Z",
        "properties": props,
    }


@pytest.fixture
def data(api, team, clickhouse):
    identify = [
        {
            "event": "$groupidentify",
            "distinct_id": "admin",
            "timestamp": "2024-01-01T00:00:00Z",
            "properties": {"$group_type": "company", "$group_key": key, "$group_set": props},
        }
        for key, props in (("acme", {"plan": "pro", "seats": 30}), ("globex", {"plan": "free", "seats": 5}))
    ]
    store_events(api, team, identify)
    store_events(
        api,
        team,
        [
            _event("pageview", "u1", 9, "acme"),
            _event("pageview", "u1", 10, "acme"),
            _event("pageview", "u2", 9, "acme"),
            _event("pageview", "u3", 9, "globex"),
            _event("pageview", "u4", 9, "initech"),
            _event("pageview", "u5", 9),
            _event("purchase", "u1", 12, "acme"),
            _event("purchase", "u3", 12, "globex"),
        ],
    )
    return team


def query(api, team, body):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def trends(api, team, series=None, **fields):
    body = {
        "kind": "TrendsQuery",
        "series": [series or {"kind": "EventsNode", "event": "pageview"}],
        "dateRange": RANGE,
        **fields,
    }
    return query(api, team, body)


def plan(value, operator="exact", key="plan"):
    return {"type": "group", "group_type_index": 0, "key": key, "value": value, "operator": operator}


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        (plan("pro"), 3),  # acme's three pageviews
        (plan("free"), 1),  # globex's one
        (plan("pro", "is_not"), 3),  # globex, initech (no properties) and u5 (no group)
        (plan("is_set", "is_set"), 4),  # acme 3 + globex 1
        (plan("is_not_set", "is_not_set"), 2),  # initech and u5
        (plan(10, "gt", key="seats"), 3),  # acme has 30 seats, globex 5
        (plan("ACM", "icontains", key="name"), 0),  # no group has a name property
    ],
)
def test_group_property_filter(api, data, prop, expected):
    assert trends(api, data, properties=[prop])[0]["count"] == expected


def test_group_filter_on_a_series_and_with_dau(api, data):
    series = {"kind": "EventsNode", "event": "pageview", "math": "dau", "properties": [plan("pro")]}
    # Persons with an acme pageview: u1 and u2.
    assert trends(api, data, series)[0]["count"] == 2


def test_breakdown_by_group_property(api, data):
    results = trends(
        api,
        data,
        breakdownFilter={"breakdown": "plan", "breakdown_type": "group", "breakdown_group_type_index": 0},
    )
    # pro: acme's 3; free: globex's 1; none: initech's and u5's.
    assert {r["breakdown_value"]: r["count"] for r in results} == {"pro": 3, "free": 1, NULL: 2}


def test_unique_groups_with_a_group_filter(api, data):
    series = {"kind": "EventsNode", "event": "pageview", "math": "unique_group", "math_group_type_index": 0}
    # Companies with a pageview: acme, globex, initech; of them on the pro plan: acme.
    assert trends(api, data, series)[0]["count"] == 3
    assert trends(api, data, series, properties=[plan("pro")])[0]["count"] == 1


def test_funnel_breakdown_by_group_property(api, data):
    body = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "pageview"}, {"kind": "EventsNode", "event": "purchase"}],
        "dateRange": RANGE,
        "breakdownFilter": {"breakdown": "plan", "breakdown_type": "group", "breakdown_group_type_index": 0},
    }
    by_plan = {
        steps[0]["breakdown_value"][0]: [s["count"] for s in steps] for steps in query(api, data, body)
    }
    # Persons: pro u1 (bought), u2; free u3 (bought); none ("" in funnels): u4 and u5.
    assert by_plan == {"pro": [2, 1], "free": [1, 1], "": [2, 0]}
    body["aggregation_group_type_index"] = 0
    by_plan = {
        steps[0]["breakdown_value"][0]: [s["count"] for s in steps] for steps in query(api, data, body)
    }
    # Companies: acme bought, globex bought, initech did not (u5 has no company).
    assert by_plan == {"pro": [1, 1], "free": [1, 1], "": [1, 0]}


def test_legacy_trend_breakdown_by_group(api, data):
    response = api.get(
        f"/api/projects/{data.id}/insights/trend/",
        {
            "events": '[{"id": "pageview"}]',
            "date_from": DAY,
            "date_to": DAY,
            "breakdown": "plan",
            "breakdown_type": "group",
            "breakdown_group_type_index": 0,
        },
    )
    assert response.status_code == 200, response.json()
    assert {r["breakdown_value"]: r["count"] for r in response.json()["result"]} == {
        "pro": 3,
        "free": 1,
        NULL: 2,
    }


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        (
            {"properties": [{"type": "group", "key": "plan", "value": "pro"}]},
            "properties__0__group_type_index",
        ),
        ({"properties": [{**plan("pro"), "group_type_index": 7}]}, "properties__0__group_type_index"),
        (
            {"breakdownFilter": {"breakdown": "plan", "breakdown_type": "group"}},
            "breakdownFilter__breakdown_group_type_index",
        ),
        (
            {"breakdownFilter": {"breakdowns": [{"property": "plan", "type": "group"}]}},
            "breakdownFilter__breakdowns__0__type",
        ),
        (
            {"series": [{"kind": "EventsNode", "event": "pageview", "math": "unique_group"}]},
            "series__0__math_group_type_index",
        ),
    ],
)
def test_incomplete_group_fields_are_400(api, data, body, attr):
    query_body = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "pageview"}], **body}
    response = api.post(f"/api/projects/{data.id}/query/", {"query": query_body}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr


def test_retention_breakdown_by_group_property(api, data):
    body = {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": "2024-01-11"},
        "retentionFilter": {
            "totalIntervals": 2,
            "targetEntity": {"id": "pageview", "type": "events"},
            "returningEntity": {"id": "purchase", "type": "events"},
        },
        "breakdownFilter": {"breakdown": "plan", "breakdown_type": "group", "breakdown_group_type_index": 0},
    }
    rows: dict[str, list[list[int]]] = {}
    for row in query(api, data, body):
        rows.setdefault(row["breakdown_value"], []).append([v["count"] for v in row["values"]])
    # Jan 10 cohorts by the plan of the pageview's company: pro u1, u2; free u3; none ("") u4, u5.
    # Nobody is active on Jan 11, so that row is empty and no one returns a day later.
    assert rows == {"pro": [[2, 0], [0, 0]], "free": [[1, 0], [0, 0]], "": [[2, 0], [0, 0]]}


def actors(api, team, source, **fields):
    body = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": source, "day": DAY, **fields.pop("point", {})},
        **fields,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    return response


UNIQUE_COMPANIES = {
    "kind": "TrendsQuery",
    "series": [
        {"kind": "EventsNode", "event": "pageview", "math": "unique_group", "math_group_type_index": 0}
    ],
    "dateRange": RANGE,
}


def test_groups_are_the_actors_of_a_unique_group_series(api, data):
    response = actors(api, data, UNIQUE_COMPANIES)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["columns"] == ["actor", "key", "event_count"]
    # acme had 3 pageviews, globex and initech 1 each (ties: key descending); u5 had no company.
    assert [(row[1], row[2]) for row in body["results"]] == [("acme", 3), ("initech", 1), ("globex", 1)]
    # As many actors as the insight counts for the day.
    assert len(body["results"]) == query(api, data, UNIQUE_COMPANIES)[0]["data"][0] == 3
    acme = body["results"][0][0]
    assert acme["type"] == "group" and acme["group_key"] == "acme" and acme["group_type_index"] == 0
    assert acme["group_properties"] == {"plan": "pro", "seats": 30}
    assert acme["created_at"].startswith("2024-01-01T00:00:00")
    # initech was never identified: still an actor, with no properties.
    assert body["results"][1][0]["group_properties"] == {}


def test_group_actors_with_filters_breakdown_and_search(api, data):
    pro = actors(api, data, {**UNIQUE_COMPANIES, "properties": [plan("pro")]}).json()
    assert [row[1] for row in pro["results"]] == ["acme"]
    by_plan = {
        **UNIQUE_COMPANIES,
        "breakdownFilter": {"breakdown": "plan", "breakdown_type": "group", "breakdown_group_type_index": 0},
    }
    free = actors(api, data, by_plan, point={"breakdown": "free"}).json()
    assert [row[1] for row in free["results"]] == ["globex"]
    found = actors(api, data, UNIQUE_COMPANIES, search="GLOB").json()
    assert [row[1] for row in found["results"]] == ["globex"]
    selected = actors(
        api, data, UNIQUE_COMPANIES, select=["key", "id", "actor_id", "properties.plan"], orderBy=["key ASC"]
    )
    assert selected.json()["results"] == [
        ["acme", "acme", "acme", "pro"],
        ["globex", "globex", "globex", "free"],
        ["initech", "initech", "initech", None],
    ]
    person = actors(api, data, UNIQUE_COMPANIES, select=["person"])
    assert person.status_code == 400 and person.json()["attr"] == "select__0"


def test_funnel_and_retention_group_actors(api, data):
    funnel = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "pageview"}, {"kind": "EventsNode", "event": "purchase"}],
        "dateRange": RANGE,
        "aggregation_group_type_index": 0,
    }

    def keys(source):
        body = {"kind": "ActorsQuery", "source": source, "select": ["key"], "orderBy": ["key ASC"]}
        response = api.post(f"/api/projects/{data.id}/query/", {"query": body}, format="json")
        assert response.status_code == 200, response.json()
        return [row[0] for row in response.json()["results"]]

    steps = {"kind": "FunnelsActorsQuery", "source": funnel}
    # Companies: all three viewed; acme and globex bought; initech dropped off at step 2.
    assert keys({**steps, "funnelStep": 1}) == ["acme", "globex", "initech"]
    assert keys({**steps, "funnelStep": 2}) == ["acme", "globex"]
    assert keys({**steps, "funnelStep": -2}) == ["initech"]
    retention = {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": "2024-01-11"},
        "retentionFilter": {
            "totalIntervals": 2,
            "targetEntity": {"id": "pageview", "type": "events"},
            "returningEntity": {"id": "purchase", "type": "events"},
        },
        "aggregation_group_type_index": 0,
    }
    # The Jan 10 cohort: the three companies with a pageview that day.
    assert keys({"kind": "InsightActorsQuery", "source": retention, "interval": 0}) == [
        "acme",
        "globex",
        "initech",
    ]


def test_funnel_trends_group_actors(api, data):
    funnel = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": "pageview"}, {"kind": "EventsNode", "event": "purchase"}],
        "dateRange": RANGE,
        "funnelsFilter": {"funnelVizType": "trends"},
        "aggregation_group_type_index": 0,
    }

    def keys(drop_off):
        source = {
            "kind": "FunnelsActorsQuery",
            "source": funnel,
            "funnelTrendsDropOff": drop_off,
            "funnelTrendsEntrancePeriodStart": f"{DAY}T00:00:00",
        }
        body = {"kind": "ActorsQuery", "source": source, "select": ["key"], "orderBy": ["key ASC"]}
        response = api.post(f"/api/projects/{data.id}/query/", {"query": body}, format="json")
        assert response.status_code == 200, response.json()
        return [row[0] for row in response.json()["results"]]

    # Companies entering on Jan 10: acme and globex converted, initech dropped off.
    assert keys(False) == ["acme", "globex"]
    assert keys(True) == ["initech"]
