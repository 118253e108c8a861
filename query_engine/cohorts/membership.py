"""Reading stored cohort membership (``cohortpeople``, schema migration 9).

A cohort's readable members are the rows of its current ``version`` (the one the
cohort row names); older versions are cancelled by ``sign = -1`` rows and collapse
away in merges. Events belong to a cohort through their distinct id's current person
(``person_distinct_id2``), so merged persons' events follow the surviving person.
"""

from __future__ import annotations

from query_engine.cohorts.source import CohortRef
from query_engine.sql.params import Params

TABLE = "cohortpeople"
# What a never-calculated cohort reads: no rows have version 0 (calculations start at 1).
NO_VERSION = 0


def members_sql(team_id: int, ref: CohortRef, params: Params) -> str:
    """``SELECT person_id`` of the cohort's readable members."""
    return (
        f"SELECT person_id FROM {TABLE} WHERE team_id = {params.add(team_id, 'Int64')}"
        f" AND cohort_id = {params.add(ref.id, 'Int64')}"
        f" AND version = {params.add(ref.version or NO_VERSION, 'UInt64')} AND sign = 1"
    )


def distinct_ids_sql(team_id: int, ref: CohortRef, params: Params) -> str:
    """``SELECT distinct_id`` of every current distinct id of the cohort's members."""
    return (
        f"SELECT distinct_id FROM person_distinct_id2 WHERE team_id = {params.add(team_id, 'Int64')}\n"
        "GROUP BY distinct_id\n"
        "HAVING argMax(is_deleted, version) = 0"
        f" AND argMax(person_id, version) IN ({members_sql(team_id, ref, params)})"
    )


def event_in_cohort(team_id: int, ref: CohortRef, params: Params, *, negate: bool = False) -> str:
    """0/1: the event's person is (``negate``: is not) a member."""
    return f"(events.distinct_id {'NOT IN' if negate else 'IN'} ({distinct_ids_sql(team_id, ref, params)}))"
