"""One page of a cohort's persons (``/cohorts/:id/persons/``): newest first, with up to
``DISTINCT_IDS_SHOWN`` distinct ids each, from the cohort's readable version."""

from __future__ import annotations

from query_engine.cohorts.membership import members_sql
from query_engine.cohorts.source import CohortRef
from query_engine.sql.params import Params
from query_engine.sql.properties import like_contains

DISTINCT_IDS_SHOWN = 10
PERSON_COLUMNS = ("id", "created_at", "properties", "is_identified", "distinct_ids")


def members_page_sql(
    *, team_id: int, ref: CohortRef, limit: int, offset: int, search: str | None = None
) -> tuple[str, dict]:
    params = Params()
    team = params.named("team_id", team_id, "Int64")
    members = members_sql(team_id, ref, params)
    having = "argMax(is_deleted, version) = 0"
    if search:
        # A property value (email, name …) containing the text, or one of the person's distinct ids.
        having += (
            f" AND (argMax(properties, version) ILIKE {params.add(like_contains(search))}"
            " OR id IN (SELECT argMax(person_id, version) FROM person_distinct_id2"
            f" WHERE team_id = {team} AND distinct_id = {params.add(search)}"
            " GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0))"
        )
    page = (
        "SELECT id, argMax(created_at, version) AS created_at, argMax(properties, version) AS properties,"
        " argMax(is_identified, version) AS is_identified\n"
        f"FROM person WHERE team_id = {team} AND id IN ({members})\n"
        f"GROUP BY id HAVING {having}\n"
        f"ORDER BY created_at DESC, id LIMIT {params.add(limit, 'UInt64')}"
        f" OFFSET {params.add(offset, 'UInt64')}"
    )
    ids = (
        f"SELECT person_id, groupArray({DISTINCT_IDS_SHOWN})(distinct_id) AS distinct_ids FROM (\n"
        "  SELECT distinct_id, argMax(person_id, version) AS person_id FROM person_distinct_id2\n"
        f"  WHERE team_id = {team} GROUP BY distinct_id\n"
        f"  HAVING argMax(is_deleted, version) = 0 AND person_id IN ({members_sql(team_id, ref, params)})\n"
        "  ORDER BY distinct_id\n"
        ") GROUP BY person_id"
    )
    sql = (
        "SELECT toString(p.id), p.created_at, p.properties, p.is_identified, ids.distinct_ids\n"
        f"FROM (\n{page}\n) AS p\nLEFT JOIN (\n{ids}\n) AS ids ON ids.person_id = p.id\n"
        "ORDER BY p.created_at DESC, p.id"
    )
    return sql, params.values
