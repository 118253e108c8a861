-- migrations table
CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER 'insights_cluster' (
    version UInt32,
    name String,
    applied_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplacingMergeTree ORDER BY version;

-- 0001_events_and_persons
CREATE TABLE IF NOT EXISTS sharded_events ON CLUSTER 'insights_cluster' (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.events', '{replica}', created_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (team_id, toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid));

CREATE TABLE IF NOT EXISTS events ON CLUSTER 'insights_cluster' AS sharded_events
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_events', cityHash64(distinct_id));

CREATE TABLE IF NOT EXISTS sharded_person ON CLUSTER 'insights_cluster' (
    id UUID,
    team_id Int64,
    created_at DateTime64(6, 'UTC'),
    properties String,
    is_identified Int8,
    is_deleted Int8 DEFAULT 0,
    version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.person', '{replica}', version)
ORDER BY (team_id, id);

CREATE TABLE IF NOT EXISTS person ON CLUSTER 'insights_cluster' AS sharded_person
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_person', team_id);

CREATE TABLE IF NOT EXISTS sharded_person_distinct_id2 ON CLUSTER 'insights_cluster' (
    team_id Int64,
    distinct_id String,
    person_id UUID,
    is_deleted Int8 DEFAULT 0,
    version Int64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.person_distinct_id2', '{replica}', version)
ORDER BY (team_id, distinct_id)
SETTINGS index_granularity = 512;

CREATE TABLE IF NOT EXISTS person_distinct_id2 ON CLUSTER 'insights_cluster' AS sharded_person_distinct_id2
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_person_distinct_id2', team_id);

CREATE TABLE IF NOT EXISTS sharded_person_distinct_id_overrides ON CLUSTER 'insights_cluster' (
    team_id Int64,
    distinct_id String,
    person_id UUID,
    is_deleted Int8 DEFAULT 0,
    version Int64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.person_distinct_id_overrides', '{replica}', version)
ORDER BY (team_id, distinct_id)
SETTINGS index_granularity = 512;

CREATE TABLE IF NOT EXISTS person_distinct_id_overrides ON CLUSTER 'insights_cluster' AS sharded_person_distinct_id_overrides
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_person_distinct_id_overrides', team_id);

-- 0002_event_uuids
CREATE TABLE IF NOT EXISTS sharded_event_uuids ON CLUSTER 'insights_cluster' (
    team_id Int64,
    uuid UUID
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.event_uuids', '{replica}')
ORDER BY (team_id, uuid)
SETTINGS index_granularity = 1024;

CREATE TABLE IF NOT EXISTS event_uuids ON CLUSTER 'insights_cluster' AS sharded_event_uuids
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_event_uuids', team_id);

-- 0003_event_uuids_mv
CREATE MATERIALIZED VIEW IF NOT EXISTS event_uuids_mv ON CLUSTER 'insights_cluster' TO sharded_event_uuids
AS SELECT team_id, uuid FROM sharded_events;

-- 0004_group_type_mapping
CREATE TABLE IF NOT EXISTS sharded_group_type_mapping ON CLUSTER 'insights_cluster' (
    team_id Int64,
    group_type String,
    group_type_index UInt8,
    created_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.group_type_mapping', '{replica}')
ORDER BY (team_id, group_type);

CREATE TABLE IF NOT EXISTS group_type_mapping ON CLUSTER 'insights_cluster' AS sharded_group_type_mapping
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_group_type_mapping', team_id);

-- 0005_event_uuids_written_by_ingestion
DROP VIEW IF EXISTS event_uuids_mv ON CLUSTER 'insights_cluster';

-- 0006_sessions
CREATE TABLE IF NOT EXISTS sharded_sessions ON CLUSTER 'insights_cluster' (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/insights.sessions', '{replica}')
ORDER BY (team_id, session_id);

CREATE TABLE IF NOT EXISTS sessions ON CLUSTER 'insights_cluster' AS sharded_sessions
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_sessions', cityHash64(session_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_mv ON CLUSTER 'insights_cluster' TO sharded_sessions
AS SELECT team_id,
    `$session_id` AS session_id,
    argMaxState(distinct_id, timestamp) AS distinct_id,
    min(timestamp) AS min_timestamp,
    max(timestamp) AS max_timestamp,
    max(created_at) AS max_inserted_at,
    groupUniqArrayIf(JSONExtractString(properties, '$current_url'), JSONExtractString(properties, '$current_url') != '') AS urls,
    argMinState(JSONExtractString(properties, '$current_url'), timestamp) AS entry_url,
    argMaxState(JSONExtractString(properties, '$current_url'), timestamp) AS end_url,
    argMinState(JSONExtractString(properties, '$referring_domain'), timestamp) AS initial_referring_domain,
    argMinState(JSONExtractString(properties, 'utm_source'), timestamp) AS initial_utm_source,
    argMinState(JSONExtractString(properties, 'utm_campaign'), timestamp) AS initial_utm_campaign,
    argMinState(JSONExtractString(properties, 'utm_medium'), timestamp) AS initial_utm_medium,
    argMinState(JSONExtractString(properties, 'utm_term'), timestamp) AS initial_utm_term,
    argMinState(JSONExtractString(properties, 'utm_content'), timestamp) AS initial_utm_content,
    argMinState(JSONExtractString(properties, 'gclid'), timestamp) AS initial_gclid,
    argMinState(JSONExtractString(properties, 'gad_source'), timestamp) AS initial_gad_source,
    argMinState(JSONExtractString(properties, 'fbclid'), timestamp) AS initial_fbclid,
    uniqStateIf(uuid, event = '$pageview') AS pageview_uniq,
    uniqStateIf(uuid, event = '$autocapture') AS autocapture_uniq,
    uniqStateIf(uuid, event = '$screen') AS screen_uniq FROM sharded_events
WHERE `$session_id` != ''
GROUP BY team_id, session_id;

-- 0007_groups
CREATE TABLE IF NOT EXISTS sharded_groups ON CLUSTER 'insights_cluster' (
    team_id Int64,
    group_type_index UInt8,
    group_key String,
    group_properties String,
    created_at DateTime64(6, 'UTC'),
    version UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.groups', '{replica}', version)
ORDER BY (team_id, group_type_index, group_key);

CREATE TABLE IF NOT EXISTS groups ON CLUSTER 'insights_cluster' AS sharded_groups
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_groups', team_id);

CREATE TABLE IF NOT EXISTS sharded_group_type_names ON CLUSTER 'insights_cluster' (
    team_id Int64,
    group_type_index UInt8,
    name_singular Nullable(String),
    name_plural Nullable(String),
    updated_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.group_type_names', '{replica}', updated_at)
ORDER BY (team_id, group_type_index);

CREATE TABLE IF NOT EXISTS group_type_names ON CLUSTER 'insights_cluster' AS sharded_group_type_names
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_group_type_names', team_id);

-- 0008_person_distinct_id_person_index
ALTER TABLE sharded_person_distinct_id2 ON CLUSTER 'insights_cluster' ADD INDEX IF NOT EXISTS person_id_bloom person_id TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE sharded_person_distinct_id2 ON CLUSTER 'insights_cluster' MATERIALIZE INDEX person_id_bloom;

-- 0009_cohortpeople
CREATE TABLE IF NOT EXISTS sharded_cohortpeople ON CLUSTER 'insights_cluster' (
    team_id Int64,
    cohort_id Int64,
    person_id UUID,
    version UInt64,
    sign Int8
) ENGINE = ReplicatedCollapsingMergeTree('/clickhouse/tables/{shard}/insights.cohortpeople', '{replica}', sign)
ORDER BY (team_id, cohort_id, version, person_id);

CREATE TABLE IF NOT EXISTS cohortpeople ON CLUSTER 'insights_cluster' AS sharded_cohortpeople
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_cohortpeople', team_id);

-- 0010_property_columns
CREATE TABLE IF NOT EXISTS sharded_property_usage ON CLUSTER 'insights_cluster' (
    key String,
    day Date,
    uses UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/insights.property_usage', '{replica}')
ORDER BY (key, day);

CREATE TABLE IF NOT EXISTS property_usage ON CLUSTER 'insights_cluster' AS sharded_property_usage
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_property_usage', cityHash64(key));

CREATE TABLE IF NOT EXISTS sharded_property_column_rules ON CLUSTER 'insights_cluster' (
    key String,
    rule LowCardinality(String),
    updated_at DateTime64(6, 'UTC') DEFAULT now64(6)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/insights.property_column_rules', '{replica}', updated_at)
ORDER BY key;

CREATE TABLE IF NOT EXISTS property_column_rules ON CLUSTER 'insights_cluster' AS sharded_property_column_rules
ENGINE = Distributed('insights_cluster', 'insights', 'sharded_property_column_rules', cityHash64(key));
