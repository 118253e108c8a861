"""HogQLQuery through POST /query/ on the hand-counted fixture of tests/hogql_fixture.py."""

from __future__ import annotations

import pytest

from tests.factories import make_org_with_team
from tests.hogql_fixture import hogql, store_fixture


@pytest.fixture
def data(api, team, clickhouse):
    _, other = make_org_with_team("Globex")
    store_fixture(api, team, other)
    return team


def ok(api, team, text, **fields):
    response = hogql(api, team, text, **fields)
    assert response.status_code == 200, response.json()
    return response.json()


def test_count_by_event(api, data):
    body = ok(api, data, "select event, count() from events group by event order by event")
    assert body["results"] == [["$pageview", 6], ["signup", 2]]
    assert body["columns"] == ["event", "count()"]
    assert body["types"] == [["event", "String"], ["count()", "UInt64"]]
    assert body["hogql"] == "SELECT event, count() FROM events GROUP BY event ORDER BY event ASC LIMIT 100"
    assert (body["hasMore"], body["limit"], body["offset"]) == (False, 100, 0)
    assert body["timings"][-1]["k"] == "."


def test_property_group_by_and_count_distinct(api, data):
    body = ok(
        api,
        data,
        "select properties.$browser as browser, count(), count(distinct distinct_id) "
        "from events where event = '$pageview' group by browser order by browser",
    )
    assert body["results"] == [["Chrome", 4, 2], ["Firefox", 2, 1]]


def test_person_properties_through_the_lazy_join(api, data):
    body = ok(
        api,
        data,
        "select person.properties.plan as plan, count() from events "
        "where event = '$pageview' group by plan order by plan",
    )
    # NULL sorts last: u3 never set a plan.
    assert body["results"] == [["free", 2], ["pro", 3], [None, 1]]


def test_pdi_person_join(api, data):
    body = ok(
        api,
        data,
        "select pdi.distinct_id, pdi.person.properties.plan, count() from events "
        "group by pdi.distinct_id, pdi.person.properties.plan order by pdi.distinct_id",
    )
    assert body["results"] == [["u1", "pro", 4], ["u2", "free", 2], ["u3", None, 2]]


def test_value_and_filters_placeholders(api, data):
    body = ok(
        api,
        data,
        "select count() from events where properties.$browser = {browser} and {filters}",
        values={"browser": "Chrome"},
        filters={"dateRange": {"date_from": "2024-01-02", "date_to": "2024-01-03"}},
    )
    assert body["results"] == [[1]]  # Chrome on day 2 only (date_to is exclusive)
    body = ok(
        api,
        data,
        "select count() from events where {filters}",
        filters={"properties": [{"key": "plan", "value": "pro", "type": "person", "operator": "exact"}]},
    )
    assert body["results"] == [[4]]
    assert ok(api, data, "select count() from events where {filters}")["results"] == [[8]]


def test_subquery_cte_and_join_with_persons(api, data):
    body = ok(
        api,
        data,
        "with pv as (select distinct_id, count() as n from events where event = '$pageview' "
        "group by distinct_id) select max(n), sum(n) from pv",
    )
    assert body["results"] == [[3, 6]]
    body = ok(
        api,
        data,
        "select p.properties.plan as plan, count() as c from events e join persons p on e.person_id = p.id "
        "group by plan order by c desc, plan",
    )
    assert body["results"] == [["pro", 4], ["free", 2], [None, 2]]
    body = ok(
        api,
        data,
        "select count() from events where distinct_id in (select distinct_id from events where event = 'signup')",
    )
    assert body["results"] == [[6]]  # u1 (4) and u3 (2)


def test_paging_with_has_more(api, data):
    body = ok(api, data, "select number from numbers(250) order by number")
    assert len(body["results"]) == 100 and body["hasMore"] is True
    assert body["results"][-1] == [99]
    body = ok(api, data, "select number from numbers(250) order by number offset 200")
    assert [r[0] for r in body["results"]] == list(range(200, 250))
    assert (body["hasMore"], body["limit"], body["offset"]) == (False, 100, 200)
    body = ok(api, data, "select number from numbers(250) order by number limit 120")
    assert len(body["results"]) == 120 and "hasMore" not in body
    body = ok(api, data, "select number from numbers(60000) limit 1000000")
    assert len(body["results"]) == 50_000


def test_other_projects_rows_are_never_seen(api, data):
    assert ok(api, data, "select count() from events where event = 'secret'")["results"] == [[0]]
    assert ok(api, data, "select count() from persons where properties.plan = 'stolen'")["results"] == [[0]]
    assert ok(api, data, "select count() from person_distinct_ids")["results"] == [[3]]


@pytest.mark.parametrize(
    ("text", "code", "detail", "span"),
    [
        ("select from where", "hogql_syntax_error", "unexpected token in expression: Eof", (17, 17)),
        ("select bla from events", "hogql_query_error", "Unable to resolve field: bla", (7, 10)),
        (
            "select hamburger(event) from events",
            "hogql_query_error",
            "Unsupported function call 'hamburger(...)'.",
            (7, 23),
        ),
        ("select 1 from other", "hogql_query_error", "Unknown table `other`.", (14, 19)),
        (
            "select count(1, 2, 3, 4) from events",
            "hogql_query_error",
            "Aggregation 'count' expects at most 1 argument, found 4",
            (7, 24),
        ),
        (
            "select person from events",
            "hogql_query_error",
            "Can't select a table when a column is expected: person",
            (7, 13),
        ),
    ],
)
def test_errors_are_400_with_position(api, data, text, code, detail, span):
    response = hogql(api, data, text)
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["code"], body["detail"]) == ("validation_error", code, detail)
    assert (body["start"], body["end"]) == span


def test_clickhouse_errors_never_leak(api, data):
    response = hogql(api, data, "select toInt64('abc') + 1 from events")
    body = response.json()
    assert response.status_code == 400, body
    assert "Code:" not in body["detail"] and "DB::" not in body["detail"]
