-- statement 1; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT breakdown_value, start_index, return_index - start_index AS lag_index, count() AS actors
FROM (
  SELECT breakdown_value,
    arraySort(groupUniqArray(period_index)) AS returns,
    returns AS starts
  FROM (
    SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor,
      ifNull(nullIf(JSONExtract(properties, {p1:String}, 'Nullable(String)'), ''), '') AS breakdown_value,
      intDiv(dateDiff('day', toDate(toTimeZone({window_start:DateTime64(6, 'UTC')}, {tz:String})), toStartOfWeek(toDate(toTimeZone(events.timestamp, {tz:String})), 0)), 7) AS period_index,
      events.event = {p2:String} AS is_target,
      is_target AS is_return
    FROM events
    WHERE events.team_id = {team_id:Int64}
    AND events.timestamp >= {window_start:DateTime64(6, 'UTC')} AND events.timestamp < {window_end:DateTime64(6, 'UTC')}
    AND (events.event = {p2:String})
  )
  GROUP BY actor, breakdown_value
)
ARRAY JOIN returns AS start_index
ARRAY JOIN returns AS return_index
WHERE return_index >= start_index
GROUP BY breakdown_value, start_index, lag_index
ORDER BY breakdown_value, start_index, lag_index
-- params
{
  "p1": "$browser",
  "p2": "$pageview",
  "team_id": 7,
  "tz": "UTC",
  "window_end": "2024-01-14T00:00:00+00:00",
  "window_start": "2023-12-17T00:00:00+00:00"
}
