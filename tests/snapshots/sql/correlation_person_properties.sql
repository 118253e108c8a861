-- statement 1; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
WITH actors AS (SELECT aggregation_target, step_reached >= 2 AS success, timestamps[1] AS t0,
  if(success, timestamps[-1], least(t0 + {p8:Float64}, toFloat64(toUnixTimestamp64Micro({p9:DateTime64(6, 'UTC')})) / 1000000)) AS t_end
FROM (SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,
  arrayPopFront(arrayDifference(m.4)) AS timings,
  m.4 AS timestamps
FROM (SELECT *,
  (toUInt8(f_d), f_s, toUInt8(f_d > 0 AND f_s = 0), arraySlice([f_s, tupleElement(ev[indexOf(f_c2, f_s)], 't'), tupleElement(ev[indexOf(f_c3, f_s)], 't')], 1, f_d)) AS m
FROM (
SELECT *,
  arrayFirst(x -> x > 0, multiIf(f_d = 1, f_c1, f_d = 2, f_c2, f_c3)) AS f_s
FROM (
SELECT *,
  greatest(if(arrayMax(f_c1) > 0, 1, 0), if(arrayMax(f_c2) > 0, 2, 0), if(arrayMax(f_c3) > 0, 3, 0)) AS f_d
FROM (
SELECT *,
  arrayMap((e, p) -> if(bitTest(e.m, 2) AND p > 0 AND e.t - p <= {p8:Float64}, p, 0.), ev, f_a2) AS f_c3
FROM (
SELECT *,
  arrayMap((e, p) -> if(bitTest(e.m, 1) AND p > 0 AND e.t - p <= {p8:Float64}, p, 0.), ev, f_a1) AS f_c2,
  arrayFill(x -> x > 0, f_c2) AS f_a2
FROM (
SELECT *,
  arrayMap(e -> if(bitTest(e.m, 0), e.t, 0.), ev) AS f_c1,
  arrayFill(x -> x > 0, f_c1) AS f_a1
FROM (
SELECT aggregation_target, prop_val, actor_events AS ev
FROM (
  SELECT aggregation_target, arrayMap(x -> CAST((toFloat64(toInt64(intDiv(x, 32)) - 4503599627370496) / 1000000, toUInt8(x % 32), bitShiftRight(bitShiftLeft(toUInt64(1), x % 32), 1)) AS Tuple(t Float64, k UInt8, m UInt64)), arraySort(groupArray(key))) AS actor_events,
    [CAST([] AS Array(String))] AS prop_vals
  FROM (SELECT
    if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS aggregation_target,
    toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,
    toUInt8(multiIf(events.event = {p1:String}, 1, events.event = {p2:String}, 2, events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0), 3, 0)) AS k,
    toUInt64(toUnixTimestamp64Micro(events.timestamp) + 4503599627370496) * 32 + k AS key
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p6:DateTime64(6, 'UTC')} AND events.timestamp <= {p7:DateTime64(6, 'UTC')}
  AND ((events.event = {p1:String}) OR (events.event = {p2:String}) OR (events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0))))
  GROUP BY aggregation_target
)
ARRAY JOIN prop_vals AS prop_val
)
)
)
)
)
))
WHERE m.3 = 0 AND m.1 > 0))
SELECT countIf(success) AS success_total, countIf(NOT success) AS failure_total FROM actors
-- params
{
  "p1": "$pageview",
  "p2": "signed_up",
  "p3": "paid",
  "p4": "plan",
  "p5": "pro",
  "p6": "2024-01-01T00:00:00+00:00",
  "p7": "2024-01-07T23:59:59.999999+00:00",
  "p8": 1209600.0,
  "p9": "2024-01-07T23:59:59.999999+00:00",
  "team_id": 7
}

-- statement 2; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
WITH actors AS (SELECT aggregation_target, step_reached >= 2 AS success, timestamps[1] AS t0,
  if(success, timestamps[-1], least(t0 + {p8:Float64}, toFloat64(toUnixTimestamp64Micro({p9:DateTime64(6, 'UTC')})) / 1000000)) AS t_end
FROM (SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,
  arrayPopFront(arrayDifference(m.4)) AS timings,
  m.4 AS timestamps
FROM (SELECT *,
  (toUInt8(f_d), f_s, toUInt8(f_d > 0 AND f_s = 0), arraySlice([f_s, tupleElement(ev[indexOf(f_c2, f_s)], 't'), tupleElement(ev[indexOf(f_c3, f_s)], 't')], 1, f_d)) AS m
FROM (
SELECT *,
  arrayFirst(x -> x > 0, multiIf(f_d = 1, f_c1, f_d = 2, f_c2, f_c3)) AS f_s
FROM (
SELECT *,
  greatest(if(arrayMax(f_c1) > 0, 1, 0), if(arrayMax(f_c2) > 0, 2, 0), if(arrayMax(f_c3) > 0, 3, 0)) AS f_d
FROM (
SELECT *,
  arrayMap((e, p) -> if(bitTest(e.m, 2) AND p > 0 AND e.t - p <= {p8:Float64}, p, 0.), ev, f_a2) AS f_c3
FROM (
SELECT *,
  arrayMap((e, p) -> if(bitTest(e.m, 1) AND p > 0 AND e.t - p <= {p8:Float64}, p, 0.), ev, f_a1) AS f_c2,
  arrayFill(x -> x > 0, f_c2) AS f_a2
FROM (
SELECT *,
  arrayMap(e -> if(bitTest(e.m, 0), e.t, 0.), ev) AS f_c1,
  arrayFill(x -> x > 0, f_c1) AS f_a1
FROM (
SELECT aggregation_target, prop_val, actor_events AS ev
FROM (
  SELECT aggregation_target, arrayMap(x -> CAST((toFloat64(toInt64(intDiv(x, 32)) - 4503599627370496) / 1000000, toUInt8(x % 32), bitShiftRight(bitShiftLeft(toUInt64(1), x % 32), 1)) AS Tuple(t Float64, k UInt8, m UInt64)), arraySort(groupArray(key))) AS actor_events,
    [CAST([] AS Array(String))] AS prop_vals
  FROM (SELECT
    if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS aggregation_target,
    toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,
    toUInt8(multiIf(events.event = {p1:String}, 1, events.event = {p2:String}, 2, events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0), 3, 0)) AS k,
    toUInt64(toUnixTimestamp64Micro(events.timestamp) + 4503599627370496) * 32 + k AS key
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p6:DateTime64(6, 'UTC')} AND events.timestamp <= {p7:DateTime64(6, 'UTC')}
  AND ((events.event = {p1:String}) OR (events.event = {p2:String}) OR (events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0))))
  GROUP BY aggregation_target
)
ARRAY JOIN prop_vals AS prop_val
)
)
)
)
)
))
WHERE m.3 = 0 AND m.1 > 0)),
people AS (SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor,
  argMax(events.person_properties, events.timestamp) AS props
  FROM events
  WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p6:DateTime64(6, 'UTC')} AND events.timestamp <= {p7:DateTime64(6, 'UTC')}
  GROUP BY actor)
SELECT key, nullIf(JSONExtract(props, key, 'Nullable(String)'), '') AS value, countIf(success) AS success_count,
  countIf(NOT success) AS failure_count
FROM people INNER JOIN actors ON people.actor = actors.aggregation_target
ARRAY JOIN {p10:Array(String)} AS key
WHERE key NOT IN {p11:Array(String)} AND value IS NOT NULL
GROUP BY key, value
-- params
{
  "p1": "$pageview",
  "p10": [
    "plan"
  ],
  "p11": [],
  "p2": "signed_up",
  "p3": "paid",
  "p4": "plan",
  "p5": "pro",
  "p6": "2024-01-01T00:00:00+00:00",
  "p7": "2024-01-07T23:59:59.999999+00:00",
  "p8": 1209600.0,
  "p9": "2024-01-07T23:59:59.999999+00:00",
  "team_id": 7
}
