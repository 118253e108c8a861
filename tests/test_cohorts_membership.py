"""Cohort membership computed in ClickHouse by the Celery task, and cohorts used in
insights: property filters (in / not_in, test-account filters), nested definitions,
cohort-in-cohort, static CSV uploads, ``/persons/``, and recalculation.

Fixture (persons by distinct id, their properties, and their pageviews on 2020-01-01):
  a: email a@acme.com, plan pro,  age 30 — 1 pageview
  b: email b@acme.com, plan free, age 20 — 2 pageviews
  c: email c@other.com, plan pro, age 40 — 3 pageviews
  d: no email,          plan free        — 4 pageviews      (10 pageviews in all)
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.engine_events import store_events

DAY = "2020-01-01"
PEOPLE = {
    "a": ({"email": "a@acme.com", "plan": "pro", "age": 30}, 1),
    "b": ({"email": "b@acme.com", "plan": "free", "age": 20}, 2),
    "c": ({"email": "c@other.com", "plan": "pro", "age": 40}, 3),
    "d": ({"plan": "free"}, 4),
}


def person(key, operator, value, negation=False):
    return {"type": "person", "key": key, "operator": operator, "value": value, "negation": negation}


def in_cohort(cohort_id, negation=False):
    return {"type": "cohort", "key": "id", "value": cohort_id, "negation": negation}


def tree(kind, *values):
    return {"type": kind, "values": list(values)}


@pytest.fixture
def people(api, team, clickhouse, celery_worker):
    events = []
    for distinct_id, (props, views) in PEOPLE.items():
        events.append(
            {
                "event": "$identify",
                "distinct_id": distinct_id,
                "timestamp": "2019-12-31T10:00:00Z",
                "properties": {"$set": props},
            }
        )
        events += [
            {"event": "$pageview", "distinct_id": distinct_id, "timestamp": f"{DAY}T1{i}:00:00Z"}
            for i in range(views)
        ]
    store_events(api, team, events)
    return team


def url(team, suffix=""):
    return f"/api/projects/{team.id}/cohorts/{suffix}"


def calculated(api, team, cohort_id, *, after_version=0):
    """The cohort once its calculation (newer than ``after_version``) has finished."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = api.get(url(team, f"{cohort_id}/"))
        body = response.json()
        # A read may meet the worker's write on SQLite's shared-cache test database, which
        # answers "table is locked" at once instead of waiting: poll again.
        if (
            response.status_code == 200
            and not body["is_calculating"]
            and (body["version"] or 0) > after_version
        ):
            return body
        time.sleep(0.05)
    raise AssertionError(f"cohort {cohort_id} did not finish calculating: {body}")


def create(api, team, name, properties=None, **fields):
    payload = {"name": name, **fields}
    if properties is not None:
        payload["filters"] = {"properties": properties}
    response = api.post(url(team), payload, format="json")
    assert response.status_code == 201, response.json()
    return calculated(api, team, response.json()["id"])


def members(api, team, cohort_id):
    response = api.get(url(team, f"{cohort_id}/persons/"))
    assert response.status_code == 200, response.json()
    return sorted(p["distinct_ids"][0] for p in response.json()["results"])


def pageviews(api, team, properties=None, refresh="force_blocking", **fields):
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": DAY, "date_to": DAY},
        "trendsFilter": {"display": "ActionsTable"},
        **fields,
    }
    if properties is not None:
        query["properties"] = properties
    response = api.post(
        f"/api/projects/{team.id}/query/", {"query": query, "refresh": "force_blocking"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_person_property_cohort_and_filters(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    # a and b have @acme.com emails.
    assert acme["count"] == 2 and acme["last_calculation"] is not None and acme["version"] == 1
    assert members(api, people, acme["id"]) == ["a", "b"]
    # in: a 1 + b 2 = 3 pageviews; not_in: c 3 + d 4 = 7.
    assert (
        pageviews(api, people, [{"type": "cohort", "key": "id", "value": acme["id"], "operator": "in"}])[0][
            "aggregated_value"
        ]
        == 3
    )
    assert (
        pageviews(api, people, [{"type": "cohort", "key": "id", "value": acme["id"], "operator": "not_in"}])[
            0
        ]["aggregated_value"]
        == 7
    )
    assert pageviews(api, people, [in_cohort(acme["id"], negation=True)])[0]["aggregated_value"] == 7


def test_nested_groups_and_cohort_in_cohort(api, people):
    # (acme email AND pro) OR age >= 40 → a (acme, pro) and c (age 40).
    nested = create(
        api,
        people,
        "Nested",
        tree(
            "OR",
            tree("AND", person("email", "icontains", "@acme.com"), person("plan", "exact", "pro")),
            tree("AND", person("age", "gte", 40)),
        ),
    )
    assert nested["count"] == 2 and members(api, people, nested["id"]) == ["a", "c"]
    # pro and not in Nested: a and c are pro, and both are in Nested → 0.
    pro_outside = create(
        api,
        people,
        "Pro outside",
        tree("AND", person("plan", "exact", "pro"), in_cohort(nested["id"], negation=True)),
    )
    assert pro_outside["count"] == 0
    # free and not in Nested → b, d; with a negated person filter: not acme → d only.
    free = create(
        api,
        people,
        "Free non-acme",
        tree(
            "AND",
            person("plan", "exact", "free"),
            in_cohort(nested["id"], negation=True),
            person("email", "icontains", "@acme.com", negation=True),
        ),
    )
    assert free["count"] == 1 and members(api, people, free["id"]) == ["d"]


def test_static_cohort_by_csv_and_append(api, people):
    upload = SimpleUploadedFile("ids.csv", b"distinct_id\nb\nd\nnobody\n", content_type="text/csv")
    response = api.post(
        url(people), {"name": "Listed", "is_static": "true", "csv": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    static = calculated(api, people, response.json()["id"])
    # b and d are known; "nobody" matches no person and is ignored.
    assert (
        static["count"] == 2
        and static["is_static"] is True
        and members(api, people, static["id"]) == ["b", "d"]
    )
    # b 2 + d 4 = 6 pageviews in the cohort.
    assert pageviews(api, people, [in_cohort(static["id"])])[0]["aggregated_value"] == 6
    # A second upload (one column, no header) adds a.
    upload = SimpleUploadedFile("more.csv", b"a\n", content_type="text/csv")
    response = api.patch(url(people, f"{static['id']}/"), {"csv": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    again = calculated(api, people, static["id"], after_version=static["version"])
    assert again["count"] == 3 and members(api, people, static["id"]) == ["a", "b", "d"]


def test_recalculation_after_a_person_property_changes(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    assert acme["count"] == 2
    # Pro members of Acme: a.
    acme_pro = create(
        api, people, "Acme pro", tree("AND", in_cohort(acme["id"]), person("plan", "exact", "pro"))
    )
    assert acme_pro["count"] == 1
    # c moves to acme.com.
    store_events(
        api,
        people,
        [
            {
                "event": "$set",
                "distinct_id": "c",
                "timestamp": "2020-01-02T00:00:00Z",
                "properties": {"$set": {"email": "c@acme.com"}},
            }
        ],
    )
    # Until recalculated, the stored membership (version 1) is what filters read: a + b = 3
    # (computed now, and cached).
    assert pageviews(api, people, [in_cohort(acme["id"])], refresh="blocking")[0]["aggregated_value"] == 3
    assert (
        api.patch(url(people, f"{acme['id']}/"), {"description": "refresh"}, format="json").status_code == 200
    )
    fresh = calculated(api, people, acme["id"], after_version=acme["version"])
    # Now a 1 + b 2 + c 3 = 6.
    assert fresh["count"] == 3 and fresh["version"] == 2
    # The cached answer named version 1: the same request is computed again, a 1 + b 2 + c 3 = 6.
    assert pageviews(api, people, [in_cohort(acme["id"])], refresh="blocking")[0]["aggregated_value"] == 6
    # The cohort referencing Acme is recalculated after it: a and c (pro).
    assert calculated(api, people, acme_pro["id"], after_version=acme_pro["version"])["count"] == 2


def test_cohort_as_test_account_filter_and_series_filter(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    response = api.patch(
        f"/api/projects/{people.id}/",
        {
            "test_account_filters": [
                {"type": "cohort", "key": "id", "value": acme["id"], "operator": "not_in"}
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    # Test accounts (acme) filtered out: c 3 + d 4 = 7.
    assert pageviews(api, people, filterTestAccounts=True)[0]["aggregated_value"] == 7
    query_series = [{"kind": "EventsNode", "event": "$pageview", "properties": [in_cohort(acme["id"])]}]
    assert pageviews(api, people, series=query_series)[0]["aggregated_value"] == 3


def test_unknown_deleted_or_foreign_cohort_in_a_filter_is_400(api, people, outsider):
    from analytics.models import Cohort

    theirs = Cohort.objects.create(team=outsider.team, name="Theirs", is_static=True)
    gone = Cohort.objects.create(team=people, name="Gone", is_static=True, deleted=True)
    for cohort_id in (theirs.id, gone.id, 999999):
        query = {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "properties": [in_cohort(cohort_id)],
        }
        response = api.post(f"/api/projects/{people.id}/query/", {"query": query}, format="json")
        assert response.status_code == 400, response.json()
        assert response.json()["detail"] == f"Cohort {cohort_id} does not exist in this project."


def behavioral(event, criterion, time_value, **fields):
    return {
        "type": "behavioral",
        "key": event,
        "event_type": "events",
        "value": criterion,
        "time_value": time_value,
        "time_interval": "day",
        **fields,
    }


def test_behavioral_criteria(api, people):
    from datetime import UTC, datetime, timedelta

    from analytics.models import Action

    now = datetime.now(UTC)
    # a signed up 2 days ago, b 40 days ago.
    store_events(
        api,
        people,
        [
            {"event": "signup", "distinct_id": "a", "timestamp": (now - timedelta(days=2)).isoformat()},
            {"event": "signup", "distinct_id": "b", "timestamp": (now - timedelta(days=40)).isoformat()},
        ],
    )
    recent = create(api, people, "Recent signups", tree("AND", behavioral("signup", "performed_event", 30)))
    assert members(api, people, recent["id"]) == ["a"] and recent["cohort_type"] == "behavioral"
    # Pageviews (all on 2020-01-01, inside a 100000-day window): a 1, b 2, c 3, d 4.
    many = create(
        api,
        people,
        "Many",
        tree(
            "AND",
            behavioral("$pageview", "performed_event_multiple", 100000, operator="gte", operator_value=3),
        ),
    )
    assert members(api, people, many["id"]) == ["c", "d"]
    few = create(
        api,
        people,
        "Few",
        tree(
            "AND",
            behavioral("$pageview", "performed_event_multiple", 100000, operator="lte", operator_value=2),
        ),
    )
    assert members(api, people, few["id"]) == ["a", "b"]
    # Negated: pro persons who did not sign up in the last 30 days → c (a did).
    pro_idle = create(
        api,
        people,
        "Pro idle",
        tree(
            "AND",
            person("plan", "exact", "pro"),
            {**behavioral("signup", "performed_event", 30), "negation": True},
        ),
    )
    assert members(api, people, pro_idle["id"]) == ["c"]
    # A saved action as the behaviour, and the legacy groups form: exactly 4 pageviews → d.
    action = Action.objects.create(team=people, name="Viewed", steps=[{"event": "$pageview"}])
    exact = create(
        api,
        people,
        "Exactly four",
        tree(
            "AND",
            {
                **behavioral(
                    action.id, "performed_event_multiple", 100000, operator="exact", operator_value=4
                ),
                "event_type": "actions",
            },
        ),
    )
    assert members(api, people, exact["id"]) == ["d"]
    legacy = create(
        api,
        people,
        "Legacy",
        None,
        groups=[{"event_id": "$pageview", "days": 100000, "count": 4, "count_operator": "gte"}],
    )
    assert members(api, people, legacy["id"]) == ["d"]


def test_trends_breakdown_by_cohorts_and_all(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    pro = create(api, people, "Pro", tree("AND", person("plan", "exact", "pro")))
    breakdown = {"breakdown_type": "cohort", "breakdown": [acme["id"], pro["id"], "all"]}
    # Acme {a, b}: 1 + 2 = 3; Pro {a, c}: 1 + 3 = 4; all users: 10. In the order asked for.
    table = pageviews(api, people, breakdownFilter=breakdown)
    assert [(r["breakdown_value"], r["label"], r["aggregated_value"]) for r in table] == [
        (acme["id"], "Acme", 3),
        (pro["id"], "Pro", 4),
        ("all", "all users", 10),
    ]
    graph = pageviews(api, people, breakdownFilter=breakdown, trendsFilter={"display": "ActionsLineGraph"})
    assert [(r["label"], r["data"], r["count"]) for r in graph] == [
        ("Acme", [3], 3.0),
        ("Pro", [4], 4.0),
        ("all users", [10], 10.0),
    ]
    two = [{"kind": "EventsNode", "event": "$pageview"}, {"kind": "EventsNode", "event": "$identify"}]
    labels = [r["label"] for r in pageviews(api, people, breakdownFilter=breakdown, series=two)]
    assert labels[:3] == ["$pageview - Acme", "$pageview - Pro", "$pageview - all users"]
    # The persons behind the Acme value: a and b.
    source = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": DAY, "date_to": DAY},
        "trendsFilter": {"display": "ActionsTable"},
        "breakdownFilter": breakdown,
    }
    query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": source, "breakdown": acme["id"]},
    }
    response = api.post(f"/api/projects/{people.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(row[0]["properties"]["email"] for row in response.json()["results"]) == [
        "a@acme.com",
        "b@acme.com",
    ]
    # A foreign or unknown cohort in the breakdown is a 400.
    response = api.post(
        f"/api/projects/{people.id}/query/",
        {"query": {**source, "breakdownFilter": {"breakdown_type": "cohort", "breakdown": [999999]}}},
        format="json",
    )
    assert response.status_code == 400 and response.json()["attr"] == "breakdownFilter__breakdown"


def test_legacy_trends_cohort_breakdown(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    response = api.get(
        f"/api/projects/{people.id}/insights/trend/",
        {
            "events": '[{"id": "$pageview"}]',
            "date_from": DAY,
            "date_to": DAY,
            "display": "ActionsTable",
            "breakdown_type": "cohort",
            "breakdown": f'[{acme["id"]}, "all"]',
        },
    )
    assert response.status_code == 200, response.json()
    rows = response.json()["result"]
    assert [(r["breakdown_value"], r["label"], r["aggregated_value"]) for r in rows] == [
        (acme["id"], "Acme", 3),
        ("all", "all users", 10),
    ]


def funnel(api, team, **fields):
    query = {
        "kind": "FunnelsQuery",
        "series": [
            {"kind": "EventsNode", "event": "$identify"},
            {"kind": "EventsNode", "event": "$pageview"},
        ],
        "dateRange": {"date_from": "2019-12-31", "date_to": DAY},
        **fields,
    }
    response = api.post(
        f"/api/projects/{team.id}/query/", {"query": query, "refresh": "force_blocking"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_funnels_with_cohort_filters_and_breakdown(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    solo = create(api, people, "Forty", tree("AND", person("age", "gte", 40)))
    # Everyone identifies (2019-12-31) then views (2020-01-01): 4 → 4.
    assert [s["count"] for s in funnel(api, people)] == [4, 4]
    # Global cohort filter: a, b.
    assert [s["count"] for s in funnel(api, people, properties=[in_cohort(acme["id"])])] == [2, 2]
    # Step filter on the second step: only Acme members' pageviews count → 4 → 2.
    steps = [
        {"kind": "EventsNode", "event": "$identify"},
        {"kind": "EventsNode", "event": "$pageview", "properties": [in_cohort(acme["id"])]},
    ]
    assert [s["count"] for s in funnel(api, people, series=steps)] == [4, 2]
    # Breakdown: all users 4, Acme 2, Forty (c) 1 — largest last step first.
    broken = funnel(
        api,
        people,
        breakdownFilter={"breakdown_type": "cohort", "breakdown": [acme["id"], solo["id"], "all"]},
    )
    assert [(f[0]["breakdown"], f[0]["breakdown_value"], [s["count"] for s in f]) for f in broken] == [
        ("all users", 0, [4, 4]),
        ("Acme", acme["id"], [2, 2]),
        ("Forty", solo["id"], [1, 1]),
    ]
    # Funnel trends: one entry per cohort, named; everyone who entered on 12-31 converted.
    trend = funnel(
        api,
        people,
        funnelsFilter={"funnelVizType": "trends"},
        breakdownFilter={"breakdown_type": "cohort", "breakdown": [acme["id"], "all"]},
    )
    assert [(e["breakdown_value"], e["data"]) for e in trend] == [
        ("Acme", [100.0, 0]),
        ("all users", [100.0, 0]),
    ]
    # The persons who reached step 2 in the Acme funnel: a and b.
    source = {
        "kind": "FunnelsQuery",
        "series": [
            {"kind": "EventsNode", "event": "$identify"},
            {"kind": "EventsNode", "event": "$pageview"},
        ],
        "dateRange": {"date_from": "2019-12-31", "date_to": DAY},
        "breakdownFilter": {"breakdown_type": "cohort", "breakdown": [acme["id"], "all"]},
    }
    query = {
        "kind": "ActorsQuery",
        "source": {
            "kind": "FunnelsActorsQuery",
            "source": source,
            "funnelStep": 2,
            "funnelStepBreakdown": acme["id"],
        },
    }
    response = api.post(f"/api/projects/{people.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(row[0]["properties"]["email"] for row in response.json()["results"]) == [
        "a@acme.com",
        "b@acme.com",
    ]


def test_retention_breakdown_by_cohort(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    query = {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": DAY},
        "retentionFilter": {
            "targetEntity": {"id": "$identify", "type": "events"},
            "returningEntity": {"id": "$pageview", "type": "events"},
            "period": "Day",
            "totalIntervals": 2,
        },
        "breakdownFilter": {"breakdown_type": "cohort", "breakdown": [acme["id"], "all"]},
    }
    response = api.post(
        f"/api/projects/{people.id}/query/", {"query": query, "refresh": "force_blocking"}, format="json"
    )
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    # 2019-12-31: everyone identified (4), all back on 2020-01-01 (4); Acme: a, b (2 → 2).
    # Largest first: all users, then Acme; each value has its 2 rows.
    assert [(r["breakdown_value"], [v["count"] for v in r["values"]]) for r in rows] == [
        ("all", [4, 4]),
        ("all", [0, 0]),
        (acme["id"], [2, 2]),
        (acme["id"], [0, 0]),
    ]
    actors = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": query, "interval": 0, "breakdown": acme["id"]},
    }
    response = api.post(f"/api/projects/{people.id}/query/", {"query": actors}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(row[0]["properties"]["email"] for row in response.json()["results"]) == [
        "a@acme.com",
        "b@acme.com",
    ]


def test_static_cohorts_by_email_column_and_person_ids(api, people):
    # Several columns: the header names the email column; a and c are known, z is not.
    upload = SimpleUploadedFile(
        "people.csv", b"name,email\nAnn,a@acme.com\nCy,c@other.com\nZed,z@nowhere.io\n"
    )
    response = api.post(
        url(people), {"name": "By email", "is_static": True, "csv": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    by_email = calculated(api, people, response.json()["id"])
    assert by_email["count"] == 2 and members(api, people, by_email["id"]) == ["a", "c"]
    uuids = [p["uuid"] for p in api.get(url(people, f"{by_email['id']}/persons/")).json()["results"]]
    # The same persons by person id (upper case is the same UUID), as a CSV and as _create_static_person_ids.
    upload = SimpleUploadedFile("ids.csv", ("person_id\n" + "\n".join(u.upper() for u in uuids)).encode())
    response = api.post(url(people), {"name": "By id", "is_static": True, "csv": upload}, format="multipart")
    assert calculated(api, people, response.json()["id"])["count"] == 2
    response = api.post(
        url(people),
        {"name": "Listed", "is_static": True, "_create_static_person_ids": uuids[:1]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert calculated(api, people, response.json()["id"])["count"] == 1


def test_hogql_in_cohort(api, people, outsider):
    from analytics.models import Cohort

    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))

    def hogql(text):
        body = {"query": {"kind": "HogQLQuery", "query": text}, "refresh": "force_blocking"}
        return api.post(f"/api/projects/{people.id}/query/", body, format="json")

    pageviews_of = "select count() from events where event = '$pageview' and person_id {} cohort {}"
    # a 1 + b 2 = 3 pageviews in Acme (by id or by name); c 3 + d 4 = 7 outside it.
    assert hogql(pageviews_of.format("in", acme["id"])).json()["results"] == [[3]]
    assert hogql(pageviews_of.format("in", "'Acme'")).json()["results"] == [[3]]
    assert hogql(pageviews_of.format("not in", acme["id"])).json()["results"] == [[7]]
    theirs = Cohort.objects.create(team=outsider.team, name="Theirs", is_static=True)
    for ref in (theirs.id, "'Theirs'"):
        response = hogql(pageviews_of.format("in", ref))
        assert response.status_code == 400 and "does not exist in this project" in response.json()["detail"]


def test_add_and_remove_persons_of_a_static_cohort_and_persons_csv(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    by_email = {
        p["properties"]["email"]: p["uuid"]
        for p in api.get(url(people, f"{acme['id']}/persons/")).json()["results"]
    }
    empty = api.post(url(people), {"name": "Hand-picked", "is_static": True}, format="json").json()
    assert empty["count"] == 0
    add = url(people, f"{empty['id']}/add_persons_to_static_cohort/")
    response = api.patch(add, {"person_ids": [by_email["a@acme.com"], by_email["b@acme.com"]]}, format="json")
    assert response.status_code == 200 and response.json() == {"success": True}
    added = calculated(api, people, empty["id"])
    assert added["count"] == 2 and members(api, people, empty["id"]) == ["a", "b"]
    remove = url(people, f"{empty['id']}/remove_person_from_static_cohort/")
    assert api.patch(remove, {"person_id": by_email["a@acme.com"]}, format="json").status_code == 200
    removed = calculated(api, people, empty["id"], after_version=added["version"])
    assert removed["count"] == 1 and members(api, people, empty["id"]) == ["b"]
    # Refusals: a dynamic cohort, not a list, ids of nobody.
    response = api.patch(
        url(people, f"{acme['id']}/add_persons_to_static_cohort/"), {"person_ids": []}, format="json"
    )
    assert response.status_code == 400 and response.json()["detail"] == "Can only add users to static cohorts"
    assert api.patch(add, {"person_ids": "x"}, format="json").json()["detail"] == "person_ids must be a list"
    response = api.patch(add, {"person_ids": ["00000000-0000-0000-0000-000000000001"]}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "No valid users to add to cohort"
    # The persons as CSV: one row per member, properties flattened.
    response = api.get(url(people, f"{acme['id']}/persons/"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert (
        text.count("\n") == 3 and "a@acme.com" in text and "b@acme.com" in text and "c@other.com" not in text
    )


def test_scheduled_refresh_recalculates_stale_dynamic_cohorts(api, people):
    from datetime import timedelta

    from django.utils import timezone

    from analytics.models import Cohort
    from analytics.tasks import refresh_stale_cohorts_task

    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    fresh = create(api, people, "Pro", tree("AND", person("plan", "exact", "pro")))
    store_events(
        api,
        people,
        [
            {
                "event": "$set",
                "distinct_id": "d",
                "timestamp": "2020-01-02T00:00:00Z",
                "properties": {"$set": {"email": "d@acme.com", "plan": "pro"}},
            }
        ],
    )
    # Only Acme was calculated more than 15 minutes ago; Pro is fresh and stays as it is.
    Cohort.objects.filter(pk=acme["id"]).update(last_calculation=timezone.now() - timedelta(minutes=16))
    assert refresh_stale_cohorts_task() == 1
    # d joined Acme: a, b, d.
    assert calculated(api, people, acme["id"], after_version=acme["version"])["count"] == 3
    assert api.get(url(people, f"{fresh['id']}/")).json()["count"] == 2


def test_duplicate_as_static_cohort(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    response = api.get(url(people, f"{acme['id']}/duplicate_as_static_cohort/"))
    assert response.status_code == 200, response.json()
    copy = calculated(api, people, response.json()["id"])
    assert copy["name"] == "Acme (static copy)" and copy["is_static"] is True and copy["count"] == 2
    # The copy keeps a and b when the dynamic cohort later gains c.
    store_events(
        api,
        people,
        [
            {
                "event": "$set",
                "distinct_id": "c",
                "timestamp": "2020-01-02T00:00:00Z",
                "properties": {"$set": {"email": "c@acme.com"}},
            }
        ],
    )
    api.patch(url(people, f"{acme['id']}/"), {"name": "Acme"}, format="json")
    assert calculated(api, people, acme["id"], after_version=acme["version"])["count"] == 3
    assert members(api, people, copy["id"]) == ["a", "b"]


def test_cohort_filter_in_hogql_filters_and_events_query(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))
    # Acme's pageviews: a 1 + b 2 = 3, whatever the events table is called.
    for text in (
        "select count() from events where event = '$pageview' and {filters}",
        "select count() from events e where e.event = '$pageview' and {filters}",
    ):
        query = {"kind": "HogQLQuery", "query": text, "filters": {"properties": [in_cohort(acme["id"])]}}
        response = api.post(f"/api/projects/{people.id}/query/", {"query": query}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["results"] == [[3]]
    query = {
        "kind": "EventsQuery",
        "select": ["count()"],
        "event": "$pageview",
        "after": "2019-01-01",
        "properties": [in_cohort(acme["id"], negation=True)],
    }
    response = api.post(f"/api/projects/{people.id}/query/", {"query": query}, format="json")
    # Outside Acme: c 3 + d 4 = 7.
    assert response.status_code == 200 and response.json()["results"] == [[7]]


def test_hogql_in_cohort_is_recomputed_after_a_recalculation(api, people):
    acme = create(api, people, "Acme", tree("AND", person("email", "icontains", "@acme.com")))

    def hogql(ref):
        text = f"select count() from events where event = '$pageview' and person_id in cohort {ref}"
        body = {"query": {"kind": "HogQLQuery", "query": text}, "refresh": "blocking"}
        return api.post(f"/api/projects/{people.id}/query/", body, format="json").json()["results"]

    # Version 1: a 1 + b 2 = 3 pageviews, computed and cached (by id and by name).
    assert hogql(acme["id"]) == [[3]] and hogql("'Acme'") == [[3]]
    store_events(
        api,
        people,
        [
            {
                "event": "$set",
                "distinct_id": "c",
                "timestamp": "2020-01-02T00:00:00Z",
                "properties": {"$set": {"email": "c@acme.com"}},
            }
        ],
    )
    assert api.patch(url(people, f"{acme['id']}/"), {"description": "x"}, format="json").status_code == 200
    assert calculated(api, people, acme["id"], after_version=acme["version"])["version"] == 2
    # The cached answers named version 1: both are computed again, a 1 + b 2 + c 3 = 6.
    assert hogql(acme["id"]) == [[6]] and hogql("'Acme'") == [[6]]
