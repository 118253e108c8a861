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

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events_and_persons", (EVENTS, PERSON, PERSON_DISTINCT_ID, PERSON_DISTINCT_ID_OVERRIDES)),
    Migration(2, "event_uuids", (EVENT_UUIDS,)),
    Migration(3, "event_uuids_mv", (EVENT_UUIDS_MV,)),
    Migration(4, "group_type_mapping", (GROUP_TYPE_MAPPING,)),
    Migration(5, "event_uuids_written_by_ingestion", ("DROP VIEW IF EXISTS event_uuids_mv",)),
)
