"""SQL for the persons REST routes, read from the ClickHouse person tables (pure: no I/O).

Persons are ``person`` rows (latest by ``version``, ``is_deleted = 0``); a person's distinct
ids are the ``person_distinct_id2`` rows whose latest version names it and is not deleted.
Every builder returns ``(sql, params)`` with the project and every value bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import orjson

from query_engine.model import PropertyGroup
from query_engine.sql.json_values import json_value
from query_engine.sql.params import Params
from query_engine.sql.properties import compile_group, like_contains

TEAM = "{team_id:Int64}"
# At most this many distinct ids per person in a response (PostHog caps actor lists at 1000).
MAX_DISTINCT_IDS = 1000

# The person a distinct id leads to now (latest version, not deleted): a primary-key read.
PERSON_OF_DISTINCT_ID = f"""SELECT argMax(person_id, version) FROM person_distinct_id2
    WHERE team_id = {TEAM} AND distinct_id = {{did}}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0"""


def _latest_persons(id_filter: str) -> str:
    # ``id_filter`` narrows the rows before GROUP BY (every version of a kept id stays),
    # so a lookup by id reads a few granules of the primary key, not the project.
    return f"""SELECT id, argMax(created_at, version) AS created_at,
        argMax(properties, version) AS person_properties, argMax(is_identified, version) AS is_identified
    FROM person WHERE team_id = {TEAM}{id_filter}
    GROUP BY id HAVING argMax(is_deleted, version) = 0"""


def _person_of_distinct_id(params: Params, distinct_id: str) -> str:
    return PERSON_OF_DISTINCT_ID.replace("{did}", params.add(distinct_id))


@dataclass(frozen=True)
class PersonFilters:
    """The list's filters; all given ones must hold."""

    distinct_id: str | None = None
    person_id: str | None = None  # canonical uuid text
    email: str | None = None
    search: str | None = None
    properties: PropertyGroup = field(default_factory=PropertyGroup)


def _filtered(team_id: int, filters: PersonFilters, params: Params, *, tz: ZoneInfo, now: datetime) -> str:
    params.named("team_id", team_id, "Int64")
    id_filters = []
    if filters.distinct_id is not None:
        id_filters.append(f"id IN ({_person_of_distinct_id(params, filters.distinct_id)})")
    if filters.person_id is not None:
        id_filters.append(f"id = toUUID({params.add(filters.person_id)})")
    id_filter = "".join(f" AND {f}" for f in id_filters)
    where = _where(filters, params, tz=tz, now=now)
    return f"""SELECT id, created_at, person_properties, is_identified
FROM ({_latest_persons(id_filter)})
WHERE {where}"""


def list_persons_sql(
    team_id: int,
    filters: PersonFilters,
    *,
    limit: int,
    offset: int,
    tz: ZoneInfo,
    now: datetime,
) -> tuple[str, dict]:
    """One page of ``(id, created_at, properties, is_identified)``, newest first (then by id,
    so pages are stable); ``limit`` is what the caller fetches (page size + 1 to see more)."""
    params = Params()
    filtered = _filtered(team_id, filters, params, tz=tz, now=now)
    sql = f"""SELECT toString(id), created_at, person_properties, is_identified
FROM ({filtered})
ORDER BY created_at DESC, id DESC
LIMIT {params.add(limit, "UInt64")} OFFSET {params.add(offset, "UInt64")}"""
    return sql, params.values


def count_persons_sql(
    team_id: int, filters: PersonFilters, *, tz: ZoneInfo, now: datetime
) -> tuple[str, dict]:
    """How many persons the list's filters keep (``?include_total``)."""
    params = Params()
    return f"SELECT count() FROM ({_filtered(team_id, filters, params, tz=tz, now=now)})", params.values


def _where(filters: PersonFilters, params: Params, *, tz: ZoneInfo, now: datetime) -> str:
    parts = []
    if filters.email is not None:
        parts.append(
            f"ifNull({json_value('person_properties', params.add('email'))} = {params.add(filters.email)}, 0)"
        )
    if filters.search:
        # Email or name containing the text (any case), or a distinct id equal to it.
        pattern = params.add(like_contains(filters.search))
        email = json_value("person_properties", params.add("email"))
        name = json_value("person_properties", params.add("name"))
        parts.append(
            f"(ifNull({email} ILIKE {pattern}, 0) OR ifNull({name} ILIKE {pattern}, 0)"
            f" OR id IN ({_person_of_distinct_id(params, filters.search)}))"
        )
    condition = compile_group(filters.properties, params, tz=tz, now=now)
    if condition != "1":
        parts.append(condition)
    return " AND ".join(parts) or "1"


def distinct_ids_sql(team_id: int, person_ids: list[str]) -> tuple[str, dict]:
    """``(person_id, [distinct_id, ...])`` for the given persons.

    The inner read finds candidate rows by ``person_id`` (a data-skipping index keeps it off
    most granules); the outer keeps only ids whose latest version still names the person.
    """
    params = Params()
    params.named("team_id", team_id, "Int64")
    ids = params.add(orjson.dumps(person_ids).decode())
    wanted = f"JSONExtract({ids}, 'Array(UUID)')"
    sql = f"""SELECT toString(person_id), groupArray({MAX_DISTINCT_IDS})(distinct_id)
FROM (
    SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id2
    WHERE team_id = {TEAM} AND distinct_id IN (
        SELECT distinct_id FROM person_distinct_id2 WHERE team_id = {TEAM} AND person_id IN {wanted}
    )
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0
)
WHERE person_id IN {wanted}
GROUP BY person_id"""
    return sql, params.values


# Values of one person property, most common first (autocomplete).
MAX_VALUES = 100


def property_values_sql(team_id: int, key: str, value: str | None) -> tuple[str, dict]:
    """``(value, persons)`` for person property ``key``; ``value`` narrows to values containing it."""
    params = Params()
    params.named("team_id", team_id, "Int64")
    extracted = json_value("person_properties", params.add(key))
    narrow = f" AND ifNull(v ILIKE {params.add(like_contains(value))}, 0)" if value else ""
    sql = f"""SELECT v, count() AS persons
FROM (SELECT {extracted} AS v FROM ({_latest_persons("")}))
WHERE v IS NOT NULL{narrow}
GROUP BY v
ORDER BY persons DESC, v
LIMIT {params.add(MAX_VALUES, "UInt64")}"""
    return sql, params.values
