"""The statements that fill and read ``cohortpeople``: each is one ClickHouse statement
(INSERT … SELECT), so persons are never loaded into Python.

* ``calculation_sql``: a dynamic cohort's members for a new version, from its definition;
* ``static_add_sql``: a static cohort's next version, old members plus the persons of
  uploaded distinct ids / person ids / emails;
* ``cancel_sql``: ``sign = -1`` rows for a superseded version (they collapse in merges);
* ``count_sql``, ``members_page_sql``: a version's size, and one page of its persons.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson

from query_engine.actions import load_actions
from query_engine.cohorts.behavioral import COUNT_OPERATORS, Behavioral, window_start
from query_engine.cohorts.definition import Criterion, Group
from query_engine.cohorts.membership import TABLE, members_sql
from query_engine.cohorts.source import CohortRef, cohort_ref
from query_engine.model import Series
from query_engine.sql.events import DATETIME, FilterContext, action_condition, filters_condition
from query_engine.sql.params import Params
from query_engine.sql.persons import PERSON_ID
from query_engine.sql.properties import leaf
from query_engine.team import TeamContext

# The team's current persons with their latest properties (``person_properties``, the
# column person property filters read).
CURRENT_PERSONS = (
    "SELECT id, argMax(properties, version) AS person_properties FROM person\n"
    "WHERE team_id = {team_id:Int64}\nGROUP BY id\nHAVING argMax(is_deleted, version) = 0"
)
ID_KINDS = ("distinct_id", "person_id", "email")


def _negate(sql: str, negated: bool) -> str:
    return f"NOT ({sql})" if negated else sql


def _behavioral(b: Behavioral, team_id: int, params: Params, tz: ZoneInfo, now: datetime) -> str:
    """``id IN (persons with the behaviour)``: one scan of the window's events."""
    ctx = FilterContext(tz, now, team_id)
    if b.action_id is not None:
        actions = load_actions(TeamContext(id=team_id), [Series(kind="actions", action_id=b.action_id)])
        entity = action_condition(actions.get(b.action_id), params, ctx)
    else:
        entity = f"events.event = {params.add(b.event)}"
    start = window_start(params.add, b, now)
    conditions = [
        "events.team_id = {team_id:Int64}",
        entity,
        f"events.timestamp >= {start}",
        f"events.timestamp <= {params.add(now, DATETIME)}",
        filters_condition([b.event_filters], params, ctx),
    ]
    having = f"count() {COUNT_OPERATORS[b.operator]} {params.add(b.count, 'UInt64')}"
    return (
        f"id IN (SELECT {PERSON_ID} AS actor FROM events\n"
        f"WHERE {' AND '.join(c for c in conditions if c != '1')}\nGROUP BY actor HAVING {having})"
    )


def condition(node: Group | Criterion, team_id: int, params: Params, *, tz: ZoneInfo, now: datetime) -> str:
    """The definition as a 0/1 expression over ``CURRENT_PERSONS`` rows."""
    if isinstance(node, Group):
        parts = [condition(v, team_id, params, tz=tz, now=now) for v in node.values]
        if not parts:
            return "1"
        return "(" + f" {node.type} ".join(parts) + ")"
    if node.person is not None:
        return _negate(leaf(node.person, params, tz=tz, now=now), node.negated)
    if node.cohort is not None:
        ref = cohort_ref(team_id, node.cohort, "filters")
        return f"(id {'NOT IN' if node.negated else 'IN'} ({members_sql(team_id, ref, params)}))"
    assert node.behavioral is not None
    return _negate(_behavioral(node.behavioral, team_id, params, tz, now), node.negated)


def calculation_sql(
    definition: Group, *, team_id: int, cohort_id: int, version: int, tz: ZoneInfo, now: datetime
) -> tuple[str, dict]:
    params = Params()
    params.named("team_id", team_id, "Int64")
    where = condition(definition, team_id, params, tz=tz, now=now)
    sql = (
        f"INSERT INTO {TABLE} (team_id, cohort_id, person_id, version, sign)\n"
        f"SELECT {{team_id:Int64}}, {params.add(cohort_id, 'Int64')}, id,"
        f" {params.add(version, 'UInt64')}, 1\n"
        f"FROM (\n{CURRENT_PERSONS}\n)\nWHERE {where}"
    )
    return sql, params.values


def _uploaded_persons(kind: str, values: list[str], params: Params) -> str:
    """``SELECT person_id`` of the team's current persons named by the uploaded values.

    The values travel as one JSON text (one fast parse) and become a set in a subquery:
    ``IN JSONExtract(…)`` directly would parse the whole list again for every block read."""
    if kind == "person_id":
        values = [value.lower() for value in values]  # as toString(UUID) prints them
    listed = f"(SELECT arrayJoin(JSONExtract({params.add(orjson.dumps(values).decode())}, 'Array(String)')))"
    if kind == "distinct_id":
        return (
            "SELECT argMax(person_id, version) AS person_id FROM person_distinct_id2\n"
            f"WHERE team_id = {{team_id:Int64}} AND distinct_id IN {listed}\n"
            "GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0"
        )
    if kind == "person_id":
        return (
            "SELECT id AS person_id FROM person\n"
            "WHERE team_id = {team_id:Int64}"
            f" AND toString(id) IN {listed}\n"
            "GROUP BY id HAVING argMax(is_deleted, version) = 0"
        )
    return (
        "SELECT id AS person_id FROM person WHERE team_id = {team_id:Int64}\nGROUP BY id\n"
        "HAVING argMax(is_deleted, version) = 0"
        f" AND JSONExtractString(argMax(properties, version), 'email') IN {listed}"
    )


def static_add_sql(
    *, team_id: int, cohort_id: int, old_version: int | None, version: int, kind: str, values: list[str]
) -> tuple[str, dict]:
    """Version ``version`` of a static cohort: ``old_version``'s members plus the uploaded ones."""
    assert kind in ID_KINDS
    params = Params()
    params.named("team_id", team_id, "Int64")
    sources = [_uploaded_persons(kind, values, params)]
    if old_version:
        sources.append(
            f"SELECT person_id FROM {TABLE} WHERE team_id = {{team_id:Int64}}"
            f" AND cohort_id = {params.add(cohort_id, 'Int64')}"
            f" AND version = {params.add(old_version, 'UInt64')}"
            " AND sign = 1"
        )
    union = "\nUNION ALL\n".join(sources)
    sql = (
        f"INSERT INTO {TABLE} (team_id, cohort_id, person_id, version, sign)\n"
        f"SELECT DISTINCT {{team_id:Int64}}, {params.add(cohort_id, 'Int64')}, person_id,"
        f" {params.add(version, 'UInt64')}, 1\nFROM (\n{union}\n)"
    )
    return sql, params.values


def copy_sql(*, team_id: int, cohort_id: int, version: int, source: CohortRef) -> tuple[str, dict]:
    """Version ``version`` of a static cohort: the readable members of cohort ``source``."""
    params = Params()
    sql = (
        f"INSERT INTO {TABLE} (team_id, cohort_id, person_id, version, sign)\n"
        f"SELECT {params.add(team_id, 'Int64')}, {params.add(cohort_id, 'Int64')}, person_id,"
        f" {params.add(version, 'UInt64')}, 1\nFROM ({members_sql(team_id, source, params)})"
    )
    return sql, params.values


def static_remove_sql(
    *, team_id: int, cohort_id: int, old_version: int, version: int, person_id: str
) -> tuple[str, dict]:
    """Version ``version`` of a static cohort: ``old_version``'s members but ``person_id``."""
    params = Params()
    team, cohort = params.add(team_id, "Int64"), params.add(cohort_id, "Int64")
    sql = (
        f"INSERT INTO {TABLE} (team_id, cohort_id, person_id, version, sign)\n"
        f"SELECT team_id, cohort_id, person_id, {params.add(version, 'UInt64')}, 1 FROM {TABLE}\n"
        f"WHERE team_id = {team} AND cohort_id = {cohort} AND version = {params.add(old_version, 'UInt64')}"
        f" AND sign = 1 AND toString(person_id) != {params.add(person_id.lower())}"
    )
    return sql, params.values


def matching_persons_sql(*, team_id: int, kind: str, values: list[str]) -> tuple[str, dict]:
    """How many of the team's current persons the values name."""
    params = Params()
    params.named("team_id", team_id, "Int64")
    return f"SELECT count() FROM (\n{_uploaded_persons(kind, values, params)}\n)", params.values


def cancel_sql(*, team_id: int, cohort_id: int, below: int) -> tuple[str, dict]:
    """Cancel every version before ``below`` (rows not cancelled yet)."""
    params = Params()
    where = (
        f"team_id = {params.add(team_id, 'Int64')} AND cohort_id = {params.add(cohort_id, 'Int64')}"
        f" AND version < {params.add(below, 'UInt64')}"
    )
    sql = (
        f"INSERT INTO {TABLE} (team_id, cohort_id, person_id, version, sign)\n"
        f"SELECT team_id, cohort_id, person_id, version, -1 FROM {TABLE}\nWHERE {where}\n"
        "GROUP BY team_id, cohort_id, person_id, version HAVING sum(sign) > 0"
    )
    return sql, params.values


def count_sql(*, team_id: int, cohort_id: int, version: int) -> tuple[str, dict]:
    params = Params()
    sql = (
        f"SELECT count() FROM {TABLE} WHERE team_id = {params.add(team_id, 'Int64')}"
        f" AND cohort_id = {params.add(cohort_id, 'Int64')} AND version = {params.add(version, 'UInt64')}"
        " AND sign = 1"
    )
    return sql, params.values
