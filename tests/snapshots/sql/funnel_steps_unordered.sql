-- statement 1; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT final_breakdown, step_counts,
  arrayMap(x -> if(empty(x), NULL, arrayAvg(x)), step_times) AS averages,
  arrayMap(x -> if(empty(x), NULL, arrayReduce('median', x)), step_times) AS medians
FROM (SELECT breakdown AS final_breakdown, sumForEach(counts) AS step_counts,
  groupArrayArray(times) AS all_times, arrayMap(i -> arrayFilter(x -> x > 0, arrayMap(a -> a[i], all_times)), range(1, 3)) AS step_times
FROM (
  SELECT *, row_number() OVER (ORDER BY arrayReverse(counts) DESC, breakdown) AS rn
  FROM (SELECT breakdown, sumForEach(arrayMap(i -> toUInt64(step_reached >= i), range(3))) AS counts,
  groupArray(timings) AS times
FROM (SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,
  arrayPopFront(arrayDifference(m.4)) AS timings,
  m.4 AS timestamps
FROM (SELECT *,
  arrayMap(s -> if(s.3 = 0 AND toUInt8(arrayCount(d -> notEmpty(d), s.1)) > s.2.1, (toUInt8(arrayCount(d -> notEmpty(d), s.1)), 0, 0, arraySort(arrayMap(d -> d[1], arrayFilter(d -> notEmpty(d), s.1)))), s.2), [arrayFold((acc, e) -> CAST(if(acc.3 = 1, acc, (if((e.m != 0 AND bitAnd(e.m, 4294967295) = 0), [CAST([] AS Array(Float64)), CAST([] AS Array(Float64)), CAST([] AS Array(Float64))], arrayMap(kept -> arrayMap(backs -> if(empty(arrayFilter(s -> bitTest(e.m, s - 1), [1, 2, 3])) OR 0, kept, arrayMap((d, i) -> if(i = arrayFilter(s -> bitTest(e.m, s - 1), [1, 2, 3])[indexOf(backs, arrayMin(backs))], arrayPushBack(d, e.t), d), kept, arrayEnumerate(kept))), [arrayMap(s -> if(empty(kept[s]), 0., kept[s][-1]), arrayFilter(s -> bitTest(e.m, s - 1), [1, 2, 3]))])[1], [arrayMap(d -> arrayFilter(x -> x + {p8:Float64} >= e.t, d), acc.1)])[1]), if((toUInt8(arrayCount(d -> notEmpty(d), acc.1)) = 3 OR arrayExists(d -> notEmpty(d) AND d[1] + {p8:Float64} < e.t, acc.1)) AND toUInt8(arrayCount(d -> notEmpty(d), acc.1)) > acc.2.1, (toUInt8(arrayCount(d -> notEmpty(d), acc.1)), 0, 0, arraySort(arrayMap(d -> d[1], arrayFilter(d -> notEmpty(d), acc.1)))), acc.2), toUInt8(toUInt8(arrayCount(d -> notEmpty(d), acc.1)) = 3))) AS Tuple(Array(Array(Float64)), Tuple(UInt8, Float64, UInt8, Array(Float64)), UInt8)), ev, CAST(([[], [], []], (0, 0, 0, []), 0) AS Tuple(Array(Array(Float64)), Tuple(UInt8, Float64, UInt8, Array(Float64)), UInt8)))])[1] AS m
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
))
WHERE m.3 = 0 AND m.1 > 0)
GROUP BY breakdown)
)
GROUP BY final_breakdown)
ORDER BY arrayReverse(step_counts) DESC, final_breakdown
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
  "team_id": 7
}
