"""Statements that fold person overrides into ``events.person_id`` (pure; run by ingestion).

Queries find each event's person through the project's live overrides
(``query_engine.sql.persons``): free with none, a hash probe per event with a few, and slower
than a join with ~10^5. Squashing keeps the set small: the events of an overridden distinct id
get the override's person in place, then the override rows that are now redundant are
deleted. Either state answers the same, so a reader between the two steps is still right.

Values are bound parameters (a chunk of ids and persons as JSON arrays); only the table and
cluster names are spliced, and those come from this module or settings.
"""

from __future__ import annotations

from query_engine.materialized.columns import literal

# The latest row of each overridden distinct id after ``after`` (at most ``limit``: one
# mutation's worth); an id whose latest row is deleted loses its rows, its events untouched.
SNAPSHOT_SQL = """
SELECT distinct_id, toString(argMax(person_id, version)), argMax(is_deleted, version), max(version)
FROM person_distinct_id_overrides
WHERE team_id = {team_id:Int64} AND distinct_id > {after:String}
GROUP BY distinct_id
ORDER BY distinct_id
LIMIT {limit:UInt64}
"""

TEAMS_SQL = "SELECT DISTINCT team_id FROM person_distinct_id_overrides ORDER BY team_id"

COUNT_SQL = "SELECT uniqExact(distinct_id) FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64}"

_IDS = "JSONExtract({ids:String}, 'Array(String)')"
# In a WHERE the ids are a set built by a subquery: as a constant array the analyzer folds
# them into the condition, and past ~30,000 values planning stalls (measured: 20,000 ids
# 0.3 s, 30,000 over 100 s); the subquery's set is built once at run time (100,000 ids 0.3 s).
_ID_SET = f"(SELECT arrayJoin({_IDS}))"


def _target(table: str, cluster: str | None) -> str:
    # On a cluster the rows live in the shards' tables; the Distributed table takes no ALTER.
    return f"sharded_{table} ON CLUSTER {literal(cluster)}" if cluster else table


def update_events(cluster: str | None = None) -> str:
    """Events of ``{ids}`` get the person at the same position of ``{persons}``.

    ``transform`` maps a String to a String (it has no UUID variant), so the person goes
    through its text. ``mutations_sync = 2``: the statement returns once every replica has
    rewritten its parts, so the override rows may be deleted after it.
    """
    return (
        f"ALTER TABLE {_target('events', cluster)} UPDATE person_id = toUUID(transform(distinct_id, {_IDS}, "
        "JSONExtract({persons:String}, 'Array(String)'), toString(person_id)))\n"
        f"WHERE team_id = {{team_id:Int64}} AND distinct_id IN {_ID_SET}\n"
        "SETTINGS mutations_sync = 2"
    )


def delete_overrides(cluster: str | None = None) -> str:
    """Rows of ``{ids}`` up to the version squashed for each (a newer merge's row stays)."""
    return (
        f"ALTER TABLE {_target('person_distinct_id_overrides', cluster)} DELETE\n"
        f"WHERE team_id = {{team_id:Int64}} AND distinct_id IN {_ID_SET}\n"
        f"  AND version <= transform(distinct_id, {_IDS}, JSONExtract({{versions:String}}, 'Array(Int64)'), "
        "toInt64(-1))\n"
        "SETTINGS mutations_sync = 2"
    )
