"""The ``actors`` table an ActorsQuery's HogQL ``select`` reads: the latest person rows,
joined to the source's actor rows (``event_count`` …) when there is a source; for a source
whose actors are groups, its rows joined to the groups' latest state instead.

It is printed like any HogQL table (a guarded subquery with only the columns used),
so user expressions never reach another project's rows.
"""

from __future__ import annotations

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.printer import FiltersSql, Printer, TeamSettings
from query_engine.hogql.scope import Scope, Source
from query_engine.hogql.tables import LATEST_PDI, LATEST_PERSON, TEAM, FieldDef, FieldTree, TableDef
from query_engine.runners.actors.base import ActorsSql
from query_engine.sql.params import Params

MAX_DISTINCT_IDS = 1000
# Source columns the select may name, and their ClickHouse types.
SOURCE_TYPES = {
    "actor_id": "UUID",
    "event_count": "UInt64",
    "event_distinct_ids": "Array(String)",
    "appearances": "Array(Int64)",
}

PERSON_FIELDS: FieldTree = {
    "id": FieldDef("persons.id", "UUID"),
    "created_at": FieldDef("toTimeZone(persons.created_at, {tz})", "DateTime64(6)"),
    "properties": FieldDef("persons.properties", "String", json=True),
    "is_identified": FieldDef("persons.is_identified", "Int8"),
    "distinct_ids": FieldDef("actor_pdis.distinct_ids", "Array(String)", joins=("pdis",)),
}

DISTINCT_IDS_JOIN = f"""LEFT JOIN (
    SELECT person_id, arraySort(groupArray({MAX_DISTINCT_IDS})(distinct_id)) AS distinct_ids
    FROM {LATEST_PDI} GROUP BY person_id
) AS actor_pdis ON actor_pdis.person_id = persons.id"""


# A group actor: its key (the source's actor_id, so groups never identified still count) and
# its latest identified state (created_at 1970-01-01 and no properties when there is none).
GROUP_FIELDS: FieldTree = {
    "id": FieldDef("source.actor_id", "String"),
    "key": FieldDef("source.actor_id", "String"),
    "created_at": FieldDef("toTimeZone(actor_groups.created_at, {tz})", "DateTime64(6)"),
    "properties": FieldDef("actor_groups.properties", "String", json=True),
}


def _groups_table(source: ActorsSql, index: int) -> TableDef:
    fields: FieldTree = {**GROUP_FIELDS, "group": dict(GROUP_FIELDS)}
    for column in source.columns:
        fields.setdefault(column, FieldDef(f"source.{column}", SOURCE_TYPES[column]))
    fields["actor_id"] = FieldDef("source.actor_id", "String")
    groups = (
        "(SELECT group_key, argMax(group_properties, version) AS properties,"
        " argMax(created_at, version) AS created_at\n"
        f"    FROM groups WHERE team_id = {TEAM} AND group_type_index = {int(index)}\n"
        "    GROUP BY group_key)"
    )
    return TableDef(
        name="actors",
        source=f"({source.sql}) AS source\nLEFT JOIN {groups} AS actor_groups"
        " ON actor_groups.group_key = source.actor_id",
        guard="",
        fields=fields,
        star=tuple(GROUP_FIELDS),
    )


def actors_table(source: ActorsSql | None) -> TableDef:
    if source is not None and source.group_type_index is not None:
        return _groups_table(source, source.group_type_index)
    fields: FieldTree = {**PERSON_FIELDS, "person": dict(PERSON_FIELDS)}
    if source is None:
        return TableDef(
            name="actors",
            source=f"{LATEST_PERSON} AS persons",
            guard="",
            fields=fields,
            star=tuple(PERSON_FIELDS),
            joins={"pdis": DISTINCT_IDS_JOIN},
        )
    for column in source.columns:
        fields[column] = FieldDef(f"source.{column}", SOURCE_TYPES[column])
    joined = f"INNER JOIN {LATEST_PERSON} AS persons ON persons.id = source.actor_id"
    return TableDef(
        name="actors",
        source=f"({source.sql}) AS source\n{joined}",
        guard="",
        fields=fields,
        star=tuple(PERSON_FIELDS),
        joins={"pdis": DISTINCT_IDS_JOIN},
    )


class ActorsPrinter(Printer):
    """The HogQL printer with one more table, ``actors``, for this query only."""

    def __init__(
        self, team: TeamSettings, params: Params, table: TableDef, *, filters: FiltersSql | None = None
    ) -> None:
        super().__init__(team, params, filters=filters)
        self.actors = table

    def _source(self, join: ast.JoinExpr, scope: Scope) -> Source:
        table = join.table
        if isinstance(table, ast.Field) and table.chain == ("actors",) and join.table_args is None:
            if self.team.id is None:
                raise HogQLError("Tables cannot be read in this expression.").at(table)
            return Source(alias=join.alias or "actors", table=self.actors)
        return super()._source(join, scope)
