"""Versioned ClickHouse DDL, owned by code.

Each migration is a list of idempotent statements; applied versions are
recorded in ``schema_migrations`` so ``migrate_clickhouse`` can run at every
start. The same DDL runs on chDB and on a single-node ClickHouse server.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplacingMergeTree ORDER BY version
"""

EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    uuid UUID,
    team_id Int64,
    event String,
    distinct_id String,
    person_id UUID,
    timestamp DateTime64(6, 'UTC'),
    properties String,
    person_properties String,
    person_created_at DateTime64(6, 'UTC'),
    elements_chain String DEFAULT '',
    created_at DateTime64(6, 'UTC') DEFAULT now64(6),
    `$session_id` String DEFAULT JSONExtractString(properties, '$session_id'),
    `$window_id` String DEFAULT JSONExtractString(properties, '$window_id'),
    `$group_0` String DEFAULT JSONExtractString(properties, '$group_0'),
    `$group_1` String DEFAULT JSONExtractString(properties, '$group_1'),
    `$group_2` String DEFAULT JSONExtractString(properties, '$group_2'),
    `$group_3` String DEFAULT JSONExtractString(properties, '$group_3'),
    `$group_4` String DEFAULT JSONExtractString(properties, '$group_4')
) ENGINE = ReplacingMergeTree(created_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))
"""

PERSON = """
CREATE TABLE IF NOT EXISTS person (
    id UUID,
    team_id Int64,
    created_at DateTime64(6, 'UTC'),
    properties String,
    is_identified Int8,
    is_deleted Int8 DEFAULT 0,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (team_id, id)
"""

PERSON_DISTINCT_ID = """
CREATE TABLE IF NOT EXISTS person_distinct_id2 (
    team_id Int64,
    distinct_id String,
    person_id UUID,
    is_deleted Int8 DEFAULT 0,
    version Int64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (team_id, distinct_id)
SETTINGS index_granularity = 512
"""

PERSON_DISTINCT_ID_OVERRIDES = """
CREATE TABLE IF NOT EXISTS person_distinct_id_overrides (
    team_id Int64,
    distinct_id String,
    person_id UUID,
    is_deleted Int8 DEFAULT 0,
    version Int64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (team_id, distinct_id)
SETTINGS index_granularity = 512
"""

# Every stored (team_id, uuid): ingestion looks a batch's uuids up here (by primary
# key, unlike events) so the same event sent twice is stored once.
EVENT_UUIDS = """
CREATE TABLE IF NOT EXISTS event_uuids (
    team_id Int64,
    uuid UUID
) ENGINE = ReplacingMergeTree
ORDER BY (team_id, uuid)
SETTINGS index_granularity = 1024
"""

# Filled event_uuids as part of every insert into events until migration 5: the writer
# now records uuids itself, after their events (journaled, with chDB), one part fewer per insert.
EVENT_UUIDS_MV = """
CREATE MATERIALIZED VIEW IF NOT EXISTS event_uuids_mv TO event_uuids
AS SELECT team_id, uuid FROM events
"""

# Group type name -> column index 0..4 ($group_N), per project, assigned by ingestion
# in order of first appearance (PostHog keeps this in Postgres).
GROUP_TYPE_MAPPING = """
CREATE TABLE IF NOT EXISTS group_type_mapping (
    team_id Int64,
    group_type String,
    group_type_index UInt8,
    created_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplacingMergeTree
ORDER BY (team_id, group_type)
"""

# Group properties from ``$groupidentify`` (``$group_set`` merged into what was stored):
# one row per write, readers take the latest by ``version`` (argMax) per
# (team_id, group_type_index, group_key). ``created_at`` is the group's first sight.
GROUPS = """
CREATE TABLE IF NOT EXISTS groups (
    team_id Int64,
    group_type_index UInt8,
    group_key String,
    group_properties String,
    created_at DateTime64(6, 'UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (team_id, group_type_index, group_key)
"""

# Display names of group types (``/groups_types/update_metadata/``): the latest row per
# (team_id, group_type_index) by ``updated_at`` holds both names.
GROUP_TYPE_NAMES = """
CREATE TABLE IF NOT EXISTS group_type_names (
    team_id Int64,
    group_type_index UInt8,
    name_singular Nullable(String),
    name_plural Nullable(String),
    updated_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (team_id, group_type_index)
"""

# One row per (project, $session_id) after merges: partial aggregate states written by
# SESSIONS_MV for every insert into events, so a session's events may arrive in any order,
# in any batch, on any day. Every column is idempotent (min/max, argMin/argMax by
# timestamp, uniq of event uuids), so re-inserting events (the backfill) changes nothing.
# Readers GROUP BY team_id, session_id with the -Merge functions (query_engine/sql/sessions.py).
SESSIONS = """
CREATE TABLE IF NOT EXISTS sessions (
    team_id Int64,
    session_id String,
    distinct_id AggregateFunction(argMax, String, DateTime64(6, 'UTC')),
    min_timestamp SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    max_timestamp SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    max_inserted_at SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    urls SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    entry_url AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    end_url AggregateFunction(argMax, String, DateTime64(6, 'UTC')),
    initial_referring_domain AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_utm_source AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_utm_campaign AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_utm_medium AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_utm_term AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_utm_content AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_gclid AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_gad_source AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    initial_fbclid AggregateFunction(argMin, String, DateTime64(6, 'UTC')),
    pageview_uniq AggregateFunction(uniq, UUID),
    autocapture_uniq AggregateFunction(uniq, UUID),
    screen_uniq AggregateFunction(uniq, UUID)
) ENGINE = AggregatingMergeTree
ORDER BY (team_id, session_id)
"""

SESSIONS_MV = """
CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_mv TO sessions
AS SELECT {columns}
FROM events
WHERE `$session_id` != ''
GROUP BY team_id, session_id
"""

# The entry values the session keeps from its first event (argMin by timestamp).
SESSION_INITIAL_PROPERTIES = {
    "initial_referring_domain": "$referring_domain",
    "initial_utm_source": "utm_source",
    "initial_utm_campaign": "utm_campaign",
    "initial_utm_medium": "utm_medium",
    "initial_utm_term": "utm_term",
    "initial_utm_content": "utm_content",
    "initial_gclid": "gclid",
    "initial_gad_source": "gad_source",
    "initial_fbclid": "fbclid",
}


def _prop(name: str) -> str:
    return f"JSONExtractString(properties, '{name}')"


def session_state_columns() -> str:
    """The SELECT list turning events into partial session rows (the view and the backfill)."""
    url = _prop("$current_url")
    columns = [
        "team_id",
        "`$session_id` AS session_id",
        "argMaxState(distinct_id, timestamp) AS distinct_id",
        "min(timestamp) AS min_timestamp",
        "max(timestamp) AS max_timestamp",
        "max(created_at) AS max_inserted_at",
        f"groupUniqArrayIf({url}, {url} != '') AS urls",
        f"argMinState({url}, timestamp) AS entry_url",
        f"argMaxState({url}, timestamp) AS end_url",
        *(
            f"argMinState({_prop(prop)}, timestamp) AS {column}"
            for column, prop in SESSION_INITIAL_PROPERTIES.items()
        ),
        "uniqStateIf(uuid, event = '$pageview') AS pageview_uniq",
        "uniqStateIf(uuid, event = '$autocapture') AS autocapture_uniq",
        "uniqStateIf(uuid, event = '$screen') AS screen_uniq",
    ]
    return ",\n    ".join(columns)


def sessions_backfill_sql(*, with_team: bool) -> str:
    """Session rows for the events of one month (``{month:UInt32}``, YYYYMM), optionally of one
    project (``{team_id:Int64}``). Idempotent: every column merges to the same value however
    often an event is seen, so events the view already fed may be read again."""
    team = " AND team_id = {team_id:Int64}" if with_team else ""
    return (
        f"INSERT INTO sessions\nSELECT {session_state_columns()}\nFROM events\n"
        f"WHERE `$session_id` != '' AND toYYYYMM(timestamp) = {{month:UInt32}}{team}\n"
        "GROUP BY team_id, session_id"
    )


# Cohort membership, one row per (cohort, person, calculation version). A calculation
# writes its version whole, the cohort row then names it (readers filter on it), and
# the previous version is cancelled with ``sign = -1`` rows that collapse in merges.
# Static cohorts are stored the same way (an upload writes old ∪ new as a new version).
COHORTPEOPLE = """
CREATE TABLE IF NOT EXISTS cohortpeople (
    team_id Int64,
    cohort_id Int64,
    person_id UUID,
    version UInt64,
    sign Int8
) ENGINE = CollapsingMergeTree(sign)
ORDER BY (team_id, cohort_id, version, person_id)
"""

# ``/persons/`` reads a person's distinct ids by ``person_id``, which is not in the sort key:
# a bloom filter per granule lets that read skip almost every granule of a large project.
PERSON_ID_INDEX = (
    "ALTER TABLE person_distinct_id2 ADD INDEX IF NOT EXISTS person_id_bloom person_id "
    "TYPE bloom_filter(0.01) GRANULARITY 1"
)
PERSON_ID_INDEX_BUILD = "ALTER TABLE person_distinct_id2 MATERIALIZE INDEX person_id_bloom"

# How often queries read each event property (query_engine/materialized/usage.py), and the
# rules the ``property_columns`` command sets: what chooses the property columns.
PROPERTY_USAGE = """
CREATE TABLE IF NOT EXISTS property_usage (
    key String,
    day Date,
    uses UInt64
) ENGINE = SummingMergeTree
ORDER BY (key, day)
"""

PROPERTY_COLUMN_RULES = """
CREATE TABLE IF NOT EXISTS property_column_rules (
    key String,
    rule LowCardinality(String),
    updated_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events_and_persons", (EVENTS, PERSON, PERSON_DISTINCT_ID, PERSON_DISTINCT_ID_OVERRIDES)),
    Migration(2, "event_uuids", (EVENT_UUIDS,)),
    Migration(3, "event_uuids_mv", (EVENT_UUIDS_MV,)),
    Migration(4, "group_type_mapping", (GROUP_TYPE_MAPPING,)),
    Migration(5, "event_uuids_written_by_ingestion", ("DROP VIEW IF EXISTS event_uuids_mv",)),
    Migration(6, "sessions", (SESSIONS, SESSIONS_MV.replace("{columns}", session_state_columns()))),
    Migration(7, "groups", (GROUPS, GROUP_TYPE_NAMES)),
    Migration(8, "person_distinct_id_person_index", (PERSON_ID_INDEX, PERSON_ID_INDEX_BUILD)),
    # 9, not 8: the persons branch had numbered its person_id index 8.
    Migration(9, "cohortpeople", (COHORTPEOPLE,)),
    Migration(10, "property_columns", (PROPERTY_USAGE, PROPERTY_COLUMN_RULES)),
)
