"""Each event's effective person (ingestion contract: the latest non-deleted
``person_distinct_id_overrides`` row for the event's distinct id, else ``events.person_id``).

No join: the project's live overrides are read once per statement as one scalar subquery
(ClickHouse evaluates an identical scalar subquery once per query, so every use in a statement
sees the same snapshot) and each event is looked up with ``transform`` (a hash lookup over
constant arrays). With no overrides the analyzer folds the expression to ``events.person_id``
and ``distinct_id`` is not even read — the common case costs nothing; with overrides the cost
is one hash probe on the ids instead of a hash join (bench/RESULTS.md, "Persons without the
override join").
"""

from __future__ import annotations

# (distinct ids, their person ids) of the project's live overrides; one row always (groupArray of
# no rows is empty). Nullable persons so that position 0 (no override) reads NULL.
OVERRIDE_SET = (
    "(SELECT tuple(groupArray(override_id), "
    "CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM ("
    "SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person "
    "FROM person_distinct_id_overrides "
    "WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0))"
)
_IDS = f"tupleElement({OVERRIDE_SET}, 1)"
_PERSONS = f"tupleElement({OVERRIDE_SET}, 2)"
# transform has no UUID outputs: it maps the event's distinct id to its 1-based position among
# the overridden ids (0 without one) and arrayElement picks that person (NULL at 0).
_POSITION = f"transform(events.distinct_id, {_IDS}, arrayEnumerate({_IDS}), 0)"

PERSON_ID = (
    f"if(empty({_IDS}), events.person_id, ifNull(arrayElement({_PERSONS}, {_POSITION}), events.person_id))"
)

# Kept for callers that splice a FROM clause: the effective person needs no join any more.
OVERRIDES_JOIN = ""


def person_id_expr(*, with_overrides: bool = True) -> str:
    """The event's effective person; the expression binds ``{team_id:Int64}``."""
    return PERSON_ID if with_overrides else "events.person_id"
