-- statement 1; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT breakdown_value, start_index, lag_index, count() AS actors
FROM (
  SELECT '' AS breakdown_value,
    arraySort(groupUniqArrayIf(period_index, is_return AND period_index >= 0)) AS returns,
    groupUniqArrayIf(period_index, is_target) AS starts
  FROM (
    SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor,
      dateDiff('day', toDate(toTimeZone({window_start:DateTime64(6, 'UTC')}, {tz:String})), toDate(toTimeZone(events.timestamp, {tz:String}))) AS period_index,
      events.event = {p1:String} AS is_target,
      events.event = {p2:String} AS is_return
    FROM events
    WHERE events.team_id = {team_id:Int64}
    AND events.timestamp >= {window_start:DateTime64(6, 'UTC')} AND events.timestamp < {window_end:DateTime64(6, 'UTC')}
    AND ((events.event = {p1:String}) OR (events.event = {p2:String}))
  )
  GROUP BY actor
)
ARRAY JOIN starts AS start_index
ARRAY JOIN arrayConcat([0], arrayMap(r -> r - start_index, arrayFilter(r -> r > start_index, returns))) AS lag_index
GROUP BY breakdown_value, start_index, lag_index
ORDER BY breakdown_value, start_index, lag_index
-- params
{
  "p1": "signed_up",
  "p2": "$pageview",
  "team_id": 7,
  "tz": "UTC",
  "window_end": "2024-01-11T00:00:00+00:00",
  "window_start": "2024-01-03T00:00:00+00:00"
}
