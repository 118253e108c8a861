"""Tenant escape: HogQL queries that try to read another project's rows or anything but
the allowed tables. Each answers 400, or 200 with only the caller's rows.

The other project (tests/hogql_fixture.py) has 5 ``secret`` events by ``intruder``
whose person has ``plan: stolen``; ``OTHER`` is replaced by its id, ``MINE`` by ours.
"""

from __future__ import annotations

import orjson
import pytest

from tests.factories import make_org_with_team
from tests.hogql_fixture import hogql, store_fixture

FOREIGN = ("intruder", "secret", "stolen")
REFUSED = "400"
ONLY_MINE = "only mine"

CASES: list[tuple[str, object]] = [
    # the team column itself
    ("select count() from events where team_id = OTHER", [[0]]),
    ("select count() from events where team_id != MINE", [[0]]),
    ("select team_id, count() from events group by team_id", [["MINE", 8]]),
    ("select count() from events where 1 = 1 or team_id = OTHER", [[8]]),
    ("select count() from events where toString(team_id) = toString(OTHER)", [[0]]),
    ("select count() from events prewhere team_id = OTHER", [[0]]),
    ("select count() from events where has(arrayMap(x -> x, [OTHER]), team_id)", [[0]]),
    ("select count() from events as `events` where `events`.`team_id` = OTHER", [[0]]),
    ("select team_id as tid, count() from events where tid = OTHER group by tid", []),
    ("select * from events", ONLY_MINE),
    ("select * from events limit 1 by team_id", ONLY_MINE),
    ("select groupArray(distinct event) from events", ONLY_MINE),
    # joins, subqueries, CTEs, set operations
    ("select count() from events e join events e2 on e.team_id != e2.team_id", [[0]]),
    ("select count() from events e cross join persons p where p.properties.plan = 'stolen'", [[0]]),
    ("select count() from (select * from events) where team_id = OTHER", [[0]]),
    ("with x as (select * from events) select count() from x where team_id = OTHER", [[0]]),
    ("with x as (select * from persons) select count() from x where properties.plan = 'stolen'", [[0]]),
    ("select event from events union all select event from events where team_id = OTHER", ONLY_MINE),
    ("select event from events intersect select event from events", ONLY_MINE),
    ("select count() from events where distinct_id = 'intruder'", [[0]]),
    (
        "select count() from events where person_id in (select id from persons where properties.plan = 'stolen')",
        [[0]],
    ),
    (
        "select count() from events e left join (select * from events) e2 on e.uuid = e2.uuid where e2.team_id = OTHER",
        [[0]],
    ),
    ("select count() from persons where team_id = OTHER", [[0]]),
    ("select count() from person_distinct_ids where team_id = OTHER", [[0]]),
    ("select count() from person_distinct_ids where distinct_id = 'intruder'", [[0]]),
    ("select properties.plan from persons", ONLY_MINE),
    ("select pdi.person.properties.plan from events", ONLY_MINE),
    ("select person.properties.plan as plan, count() from events group by plan", ONLY_MINE),
    ("select (select count() from events where team_id = OTHER)", [[0]]),
    ("select count() from events where event in (select event from events where team_id = OTHER)", [[0]]),
    # arrayJoin tricks
    ("select arrayJoin([OTHER, MINE]) as t, (select count() from events where team_id = t)", REFUSED),
    ("select count() from events array join [OTHER] as t where t = team_id", [[0]]),
    ("select count() from events where JSONExtractString(properties, '$set', 'plan') = 'stolen'", [[0]]),
    # string tricks and comments: values are bound, never spliced
    ("select count() from events where event = 'x'' or 1=1 --'", [[0]]),
    ("select count() from events where event = '\\' or team_id = OTHER or \\''", [[0]]),
    ("select count() from events /* where 1 */ where team_id = OTHER", [[0]]),
    ("select count() from events -- where 1\n where team_id = OTHER", [[0]]),
    ("select `events\\` where 1 --` from events", REFUSED),
    ("select * from `events; drop table events`", REFUSED),
    ("select 1 as team_id from events", REFUSED),
    # physical tables and other databases
    ("select * from person", REFUSED),
    ("select * from person_distinct_id2", REFUSED),
    ("select * from person_distinct_id_overrides", REFUSED),
    ("select * from event_uuids", REFUSED),
    ("select * from group_type_mapping", REFUSED),
    ("select * from schema_migrations", REFUSED),
    ("select * from overrides", REFUSED),
    ("select * from default.events", REFUSED),
    ("select * from insights.events", REFUSED),
    ("select * from system.tables", REFUSED),
    ("select * from system.query_log", REFUSED),
    ("select * from `system`.`tables`", REFUSED),
    ("select * from system.one", REFUSED),
    ("select * from information_schema.tables", REFUSED),
    # table functions
    ("select * from file('/etc/passwd', 'LineAsString')", REFUSED),
    ("select * from url('http://127.0.0.1/', 'LineAsString')", REFUSED),
    ("select * from remote('127.0.0.1', default.events)", REFUSED),
    ("select * from s3('http://x/y.csv')", REFUSED),
    ("select * from mysql('h', 'd', 't', 'u', 'p')", REFUSED),
    ("select * from cluster('default', system.one)", REFUSED),
    ("select * from merge('default', '.*')", REFUSED),
    ("select * from generateRandom('a String')", REFUSED),
    ("select * from input('a String')", REFUSED),
    ("select * from numbers(10000000000)", REFUSED),
    # server functions
    ("select dictGet('d', 'a', 1)", REFUSED),
    ("select joinGet('j', 'a', 1)", REFUSED),
    ("select getSetting('readonly')", REFUSED),
    ("select currentDatabase()", REFUSED),
    ("select hostName()", REFUSED),
    ("select version()", REFUSED),
    ("select sleep(3)", REFUSED),
    ("select throwIf(1)", REFUSED),
    # settings, DDL/DML, several statements, unsupported clauses
    ("select * from events settings readonly = 0", REFUSED),
    ("select 1; drop table events", REFUSED),
    ("insert into events (event) values ('x')", REFUSED),
    ("drop table events", REFUSED),
    ("alter table events delete where 1", REFUSED),
    ("truncate table events", REFUSED),
    ("select * from events final", REFUSED),
    ("select * from events sample 0.5", REFUSED),
    ("select * from cohort_people", REFUSED),
    ("select * from raw_groups", REFUSED),
    ("select count() from groups where team_id = OTHER", [[0]]),
]


@pytest.fixture
def projects(api, team, clickhouse):
    _, other = make_org_with_team("Globex")
    store_fixture(api, team, other)
    return team, other


def test_there_are_at_least_fifty_attempts():
    assert len(CASES) >= 50


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_no_query_reads_another_projects_rows(api, projects, text, expected):
    team, other = projects
    response = hogql(api, team, text.replace("OTHER", str(other.id)).replace("MINE", str(team.id)))
    body = response.json()
    if expected == REFUSED:
        assert response.status_code == 400, body
        assert body["type"] == "validation_error"
        return
    assert response.status_code == 200, body
    text_out = orjson.dumps(body["results"]).decode()
    assert not any(word in text_out for word in FOREIGN), text_out
    if expected != ONLY_MINE:
        mine = orjson.loads(orjson.dumps(expected).decode().replace('"MINE"', str(team.id)))
        assert body["results"] == mine
