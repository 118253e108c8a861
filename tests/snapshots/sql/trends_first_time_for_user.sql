-- statement 1; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(toStartOfDay(toTimeZone(t_first, {tz:String})), '%Y-%m-%d %H:%i:%S') AS bucket, count() AS value
FROM (
SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor, min(events.timestamp) AS t_first,
  minIf(events.timestamp, events.timestamp >= {p0:DateTime64(6, 'UTC')} AND 1) AS t_cond
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp <= {p3:DateTime64(6, 'UTC')}
  AND events.event = {p1:String}
GROUP BY actor
HAVING t_first = t_cond AND t_first >= {p0:DateTime64(6, 'UTC')}
)
GROUP BY bucket
-- params
{
  "p0": "2024-01-01T00:00:00+00:00",
  "p1": "$pageview",
  "p3": "2024-01-07T23:59:59.999999+00:00",
  "team_id": 7,
  "tz": "UTC"
}
