"""The tables a HogQL query may read, their fields and lazy joins.

Each table is printed as a subquery over the physical table(s) with the
project guard inside it (``printer.py``), so no part of a query can reach a row
of another project. Field expressions below are code-defined SQL over those
physical tables; ``{tz}`` is the project's timezone parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from query_engine.sql.persons import OVERRIDES_JOIN, person_id_expr
from query_engine.sql.sessions import FIELDS as SESSION_FIELDS
from query_engine.sql.sessions import sessions_select_sql

TEAM = "{team_id:Int64}"


@dataclass(frozen=True)
class FieldDef:
    sql: str  # over the table's physical source; ``{tz}`` is replaced by the timezone parameter
    type: str
    joins: tuple[str, ...] = ()  # lazy joins the field needs, in order
    json: bool = False  # a JSON document: ``.key`` reads a property


FieldTree = dict[str, "FieldDef | FieldTree"]

LATEST_PERSON = f"""(SELECT id, argMax(created_at, version) AS created_at,
        argMax(properties, version) AS properties, argMax(is_identified, version) AS is_identified
    FROM person WHERE team_id = {TEAM}
    GROUP BY id HAVING argMax(is_deleted, version) = 0)"""

LATEST_PDI = f"""(SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id2 WHERE team_id = {TEAM}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)"""


@dataclass(frozen=True)
class TableDef:
    name: str
    source: str  # FROM … (the physical table, or a guarded subquery over it)
    guard: str  # the project guard in the subquery's WHERE ('' when inside ``source``)
    fields: FieldTree
    star: tuple[str, ...]  # what ``*`` expands to
    joins: dict[str, str] = field(default_factory=dict)  # lazy join name → JOIN clause


def _latest_groups(index: int | None = None) -> str:
    """Each group's latest state (highest version) in the project, of one type when ``index`` is
    given; ``index``/``key`` as PostHog names them. ``index`` is code-defined (0-4), never user text."""
    of_type = "" if index is None else f" AND group_type_index = {int(index)}"
    return f"""(SELECT group_type_index AS `index`, group_key AS key,
        argMax(created_at, version) AS created_at, argMax(group_properties, version) AS properties
    FROM groups WHERE team_id = {TEAM}{of_type}
    GROUP BY group_type_index, group_key)"""


LATEST_GROUPS = _latest_groups()
GROUP_INDEXES = range(5)


def _group_join_fields(i: int) -> FieldTree:
    """``events.group_N``: the event's group of type N (NULLs when it has none or it is unknown)."""
    alias, joins = f"events__group_{i}", (f"group_{i}",)
    # A LEFT JOIN miss gives '' and epoch defaults; PostHog shows NULL there.
    missing = f"{alias}.key = ''"
    return {
        "key": FieldDef(f"nullIf({alias}.key, '')", "Nullable(String)", joins=joins),
        "index": FieldDef(f"if({missing}, NULL, {alias}.`index`)", "Nullable(UInt8)", joins=joins),
        "created_at": FieldDef(
            f"if({missing}, NULL, toTimeZone({alias}.created_at, {{tz}}))",
            "Nullable(DateTime64(6))",
            joins=joins,
        ),
        "properties": FieldDef(f"{alias}.properties", "String", joins=joins, json=True),
    }


def _group_join(i: int) -> str:
    return (
        f"LEFT JOIN {_latest_groups(i)} AS events__group_{i} ON events.`$group_{i}` = events__group_{i}.key"
    )


def _time(column: str) -> FieldDef:
    return FieldDef(f"toTimeZone({column}, {{tz}})", "DateTime64(6)")


PERSON_ID = person_id_expr(with_overrides=True)

# HogQL types of the session fields' kinds (sql/sessions.py).
_SESSION_TYPES = {
    "String": "Nullable(String)",
    "Numeric": "Nullable(Int64)",
    "Duration": "Nullable(Int64)",
    "Boolean": "Nullable(UInt8)",
    "DateTime": "DateTime64(6)",
    "Array": "Array(String)",
}
# The project's sessions, one row each, merged from the sessions table; the project guard is
# inside the subquery (sessions_select_sql).
SESSIONS_SOURCE = f"({sessions_select_sql(TEAM)})"


def _session_field(alias: str, name: str, kind: str, joins: tuple[str, ...] = ()) -> FieldDef:
    column = f"{alias}.`{name}`"
    if kind == "DateTime":
        return FieldDef(f"toTimeZone(assumeNotNull({column}), {{tz}})", "DateTime64(6)", joins=joins)
    return FieldDef(column, _SESSION_TYPES[kind], joins=joins)


def _session_fields(alias: str, joins: tuple[str, ...] = ()) -> FieldTree:
    fields: FieldTree = {
        name: _session_field(alias, name, kind, joins)
        for name, (_, kind) in SESSION_FIELDS.items()
        if name != "max_inserted_at"
    }
    fields["session_id"] = FieldDef(f"{alias}.session_id", "String", joins=joins)
    fields["id"] = fields["session_id"]
    return fields


EVENTS = TableDef(
    name="events",
    source="events",
    guard=f"events.team_id = {TEAM}",
    fields={
        "uuid": FieldDef("events.uuid", "UUID"),
        "event": FieldDef("events.event", "String"),
        "properties": FieldDef("events.properties", "String", json=True),
        "timestamp": _time("events.timestamp"),
        "team_id": FieldDef("events.team_id", "Int64"),
        "distinct_id": FieldDef("events.distinct_id", "String"),
        "elements_chain": FieldDef("events.elements_chain", "String"),
        "created_at": _time("events.created_at"),
        "$session_id": FieldDef("events.`$session_id`", "String"),
        "$window_id": FieldDef("events.`$window_id`", "String"),
        **{f"$group_{i}": FieldDef(f"events.`$group_{i}`", "String") for i in range(5)},
        "person_id": FieldDef(PERSON_ID, "UUID", joins=("overrides",)),
        # The project's person mode: person properties as stored on each event (as insights read them).
        "person": {
            "id": FieldDef(PERSON_ID, "UUID", joins=("overrides",)),
            "properties": FieldDef("events.person_properties", "String", json=True),
            "created_at": _time("events.person_created_at"),
        },
        "pdi": {
            "distinct_id": FieldDef("events__pdi.distinct_id", "String", joins=("pdi",)),
            "person_id": FieldDef("events__pdi.person_id", "UUID", joins=("pdi",)),
            "person": {
                "id": FieldDef("events__pdi__person.id", "UUID", joins=("pdi", "pdi_person")),
                "properties": FieldDef(
                    "events__pdi__person.properties", "String", joins=("pdi", "pdi_person"), json=True
                ),
                "created_at": FieldDef(
                    "toTimeZone(events__pdi__person.created_at, {tz})",
                    "DateTime64(6)",
                    joins=("pdi", "pdi_person"),
                ),
            },
        },
        "session": _session_fields("events__session", ("session",)),
        **{f"group_{i}": _group_join_fields(i) for i in GROUP_INDEXES},
    },
    star=(
        "uuid",
        "event",
        "properties",
        "timestamp",
        "team_id",
        "distinct_id",
        "elements_chain",
        "created_at",
        "$session_id",
        "$window_id",
    ),
    joins={
        # A marker, not SQL: fields that read the effective person (persons.py needs no join).
        "overrides": OVERRIDES_JOIN,
        "pdi": f"INNER JOIN {LATEST_PDI} AS events__pdi ON events.distinct_id = events__pdi.distinct_id",
        "pdi_person": f"LEFT JOIN {LATEST_PERSON} AS events__pdi__person "
        "ON events__pdi.person_id = events__pdi__person.id",
        # Every event's session (NULL fields without one), spec sessions.md §6.5.
        "session": f"LEFT JOIN {SESSIONS_SOURCE} AS events__session "
        "ON events__session.session_id = events.`$session_id`",
        **{f"group_{i}": _group_join(i) for i in GROUP_INDEXES},
    },
)

SESSIONS = TableDef(
    name="sessions",
    source=f"{SESSIONS_SOURCE} AS sessions",
    guard="",
    fields={**_session_fields("sessions"), "team_id": FieldDef(TEAM, "Int64")},
    star=(
        "session_id",
        "distinct_id",
        "$start_timestamp",
        "$end_timestamp",
        "$session_duration",
        "$entry_current_url",
        "$end_current_url",
        "$pageview_count",
        "$autocapture_count",
        "$channel_type",
        "$is_bounce",
    ),
)

PERSONS = TableDef(
    name="persons",
    source=f"{LATEST_PERSON} AS persons",
    guard="",
    fields={
        "id": FieldDef("persons.id", "UUID"),
        "created_at": FieldDef("toTimeZone(persons.created_at, {tz})", "DateTime64(6)"),
        "properties": FieldDef("persons.properties", "String", json=True),
        "is_identified": FieldDef("persons.is_identified", "Int8"),
        "team_id": FieldDef(TEAM, "Int64"),
    },
    star=("id", "created_at", "team_id", "properties", "is_identified"),
)

PERSON_DISTINCT_IDS = TableDef(
    name="person_distinct_ids",
    source=f"{LATEST_PDI} AS pdi",
    guard="",
    fields={
        "distinct_id": FieldDef("pdi.distinct_id", "String"),
        "person_id": FieldDef("pdi.person_id", "UUID"),
        "team_id": FieldDef(TEAM, "Int64"),
        "person": {
            "id": FieldDef("pdi__person.id", "UUID", joins=("person",)),
            "properties": FieldDef("pdi__person.properties", "String", joins=("person",), json=True),
            "created_at": FieldDef(
                "toTimeZone(pdi__person.created_at, {tz})", "DateTime64(6)", joins=("person",)
            ),
        },
    },
    star=("team_id", "distinct_id", "person_id"),
    joins={"person": f"LEFT JOIN {LATEST_PERSON} AS pdi__person ON pdi.person_id = pdi__person.id"},
)

GROUPS = TableDef(
    name="groups",
    source=f"{LATEST_GROUPS} AS groups",
    guard="",
    fields={
        "index": FieldDef("groups.`index`", "UInt8"),
        "key": FieldDef("groups.key", "String"),
        "created_at": FieldDef("toTimeZone(groups.created_at, {tz})", "DateTime64(6)"),
        "properties": FieldDef("groups.properties", "String", json=True),
        "team_id": FieldDef(TEAM, "Int64"),
    },
    star=("index", "key", "created_at", "team_id", "properties"),
)

# Tables PostHog has that this project has no storage for yet: named in the error.
NOT_AVAILABLE = {
    "cohort_people",
    "static_cohort_people",
    "raw_sessions",
    "raw_groups",
    "session_replay_events",
}

TABLES: dict[str, TableDef] = {t.name: t for t in (EVENTS, PERSONS, PERSON_DISTINCT_IDS, SESSIONS, GROUPS)}
