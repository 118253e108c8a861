-- statement 1; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, value AS value
FROM (
SELECT bucket_start, count(DISTINCT actor) AS value FROM (
SELECT toTimeZone(arrayJoin(arrayFilter(b -> active_at <= b AND active_at > b - toIntervalDay(30), {p5:Array(DateTime64(6, 'UTC'))})), {tz:String}) AS bucket_start, actor FROM (
SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor, toStartOfDay(toTimeZone(events.timestamp, {tz:String})) AS active_at
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p2:DateTime64(6, 'UTC')} AND events.timestamp <= {p3:DateTime64(6, 'UTC')}
  AND events.event = {p4:String}
GROUP BY actor, active_at
)
) GROUP BY bucket_start
)
-- params
{
  "p2": "2023-12-02T00:00:00+00:00",
  "p3": "2024-01-07T23:59:59.999999+00:00",
  "p4": "$pageview",
  "p5": [
    "2023-12-31T00:00:00+00:00",
    "2024-01-07T00:00:00+00:00"
  ],
  "team_id": 7,
  "tz": "UTC"
}
