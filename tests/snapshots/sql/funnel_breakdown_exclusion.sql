-- statement 1; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT final_breakdown, step_counts,
  arrayMap(x -> if(empty(x), NULL, arrayAvg(x)), step_times) AS averages,
  arrayMap(x -> if(empty(x), NULL, arrayReduce('median', x)), step_times) AS medians
FROM (SELECT if(rn <= {p11:Int64}, breakdown, ['Other']) AS final_breakdown, sumForEach(counts) AS step_counts,
  groupArrayArray(times) AS all_times, arrayMap(i -> arrayFilter(x -> x > 0, arrayMap(a -> a[i], all_times)), range(1, 3)) AS step_times
FROM (
  SELECT *, row_number() OVER (ORDER BY arrayReverse(counts) DESC, breakdown) AS rn
  FROM (SELECT breakdown, sumForEach(arrayMap(i -> toUInt64(step_reached >= i), range(3))) AS counts,
  groupArray(timings) AS times
FROM (SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,
  arrayPopFront(arrayDifference(m.4)) AS timings,
  m.4 AS timestamps
FROM (SELECT *,
  (toUInt8(f_d), f_s, toUInt8(f_d > 0 AND f_s = 0), arraySlice([f_s, tupleElement(ev[indexOf(f_c2, f_s)], 't'), tupleElement(ev[indexOf(f_c3, f_s)], 't')], 1, f_d)) AS m
FROM (
SELECT *,
  arrayFirst(x -> x > 0 AND NOT has(f_x, x), multiIf(f_d = 1, f_c1, f_d = 2, f_c2, f_c3)) AS f_s
FROM (
SELECT *,
  greatest(if(arrayMax(f_c1) > 0, 1, 0), if(arrayMax(f_c2) > 0, 2, 0), if(arrayMax(f_c3) > 0, 3, 0)) AS f_d,
  arrayConcat(arrayMap((e, a, b) -> if(bitTest(e.m, 33) AND a != b AND a > 0 AND e.t - a <= {p9:Float64}, a, 0.), ev, arrayPopBack(arrayPushFront(f_a1, 0.)), arrayPopBack(arrayPushFront(f_a2, 0.))), arrayMap((e, a, b) -> if(bitTest(e.m, 34) AND a != b AND a > 0 AND e.t - a <= {p9:Float64}, a, 0.), ev, arrayPopBack(arrayPushFront(f_a2, 0.)), arrayPopBack(arrayPushFront(f_a3, 0.)))) AS f_x
FROM (
SELECT *,
  arrayMap((e, p) -> if(bitTest(e.m, 2) AND p > 0 AND e.t - p <= {p9:Float64}, p, 0.), ev, arrayPopBack(arrayPushFront(f_a2, 0.))) AS f_c3,
  arrayFill(x -> x > 0, f_c3) AS f_a3
FROM (
SELECT *,
  arrayMap((e, p) -> if(bitTest(e.m, 1) AND p > 0 AND e.t - p <= {p9:Float64}, p, 0.), ev, arrayPopBack(arrayPushFront(f_a1, 0.))) AS f_c2,
  arrayFill(x -> x > 0, f_c2) AS f_a2
FROM (
SELECT *,
  arrayMap(e -> if(bitTest(e.m, 0), e.t, 0.), ev) AS f_c1,
  arrayFill(x -> x > 0, f_c1) AS f_a1
FROM (
SELECT aggregation_target, prop_val, actor_events AS ev
FROM (
  SELECT aggregation_target, arraySort(groupArray(CAST((t, k, m, bd) AS Tuple(t Float64, k UInt8, m UInt64, b Array(String))))) AS actor_events,
    [if(empty(argMinIf(bd, t, arrayExists(x -> x != '', bd)) AS touched), [''], touched)] AS prop_vals
  FROM (SELECT
    if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS aggregation_target,
    toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,
    toUInt8(multiIf(events.event = {p1:String}, 1, events.event = {p2:String}, 2, events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0), 3, 0)) AS k,
    toUInt64(if(events.event = {p1:String}, 1, 0) + if(events.event = {p2:String}, 2, 0) + if(events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0), 4, 0) + if((events.event = {p6:String}), 8589934592, 0)) AS m,
    [ifNull(toString(nullIf(JSONExtract(properties, {p10:String}, 'Nullable(String)'), '')), '')] AS bd
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p7:DateTime64(6, 'UTC')} AND events.timestamp <= {p8:DateTime64(6, 'UTC')}
  AND ((events.event = {p1:String}) OR (events.event = {p2:String}) OR (events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0)) OR (events.event = {p6:String})))
  GROUP BY aggregation_target
)
ARRAY JOIN prop_vals AS prop_val
)
)
)
)
)
))
WHERE m.3 = 0 AND m.1 > 0)
GROUP BY breakdown)
)
GROUP BY final_breakdown)
ORDER BY arrayReverse(step_counts) DESC, final_breakdown
-- params
{
  "p1": "$pageview",
  "p10": "$browser",
  "p11": 25,
  "p2": "signed_up",
  "p3": "paid",
  "p4": "plan",
  "p5": "pro",
  "p6": "cancel",
  "p7": "2024-01-01T00:00:00+00:00",
  "p8": "2024-01-07T23:59:59.999999+00:00",
  "p9": 1209600.0,
  "team_id": 7
}
