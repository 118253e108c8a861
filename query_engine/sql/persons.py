"""Each event's effective person: the override join and the person id expression (ingestion
contract: the latest non-deleted ``person_distinct_id_overrides`` row for the event's distinct
id, else ``events.person_id``)."""

from __future__ import annotations

PERSON_ID = "if(override_distinct_id != '', override_person_id, events.person_id)"

OVERRIDES_JOIN = """LEFT JOIN (
    SELECT distinct_id AS override_distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
) AS overrides ON events.distinct_id = overrides.override_distinct_id"""


def person_id_expr(*, with_overrides: bool = True) -> str:
    return PERSON_ID if with_overrides else "events.person_id"
