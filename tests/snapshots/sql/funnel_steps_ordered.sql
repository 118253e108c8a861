-- statement 1; settings: {"max_execution_time":60}
SELECT breakdown AS final_breakdown, sum(s0) AS s0, sum(s1) AS s1, sum(s2) AS s2, if(empty(groupArrayArray(c1) AS all1), NULL, arrayAvg(all1)) AS avg1, if(empty(all1), NULL, arrayReduce('median', all1)) AS median1, if(empty(groupArrayArray(c2) AS all2), NULL, arrayAvg(all2)) AS avg2, if(empty(all2), NULL, arrayReduce('median', all2)) AS median2
FROM (
  SELECT *, row_number() OVER (ORDER BY s2 DESC, s1 DESC, s0 DESC, breakdown) AS rn
  FROM (SELECT breakdown, countIf(step_reached >= 0) AS s0, countIf(step_reached >= 1) AS s1, countIf(step_reached >= 2) AS s2, groupArrayIf(timings[1], timings[1] > 0) AS c1, groupArrayIf(timings[2], timings[2] > 0) AS c2
FROM (SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,
  arrayPopFront(arrayDifference(m.4)) AS timings,
  m.4 AS timestamps
FROM (SELECT aggregation_target, prop_val,
  arrayMap(e -> bitTest(e.m, 0), ev) AS f_m1,
  arrayMap(e -> e.t, ev) AS f_t,
  arrayMap((m, t) -> if(m, t, 0.), f_m1, f_t) AS f_c1,
  arrayMap(e -> bitTest(e.m, 1), ev) AS f_m2,
  arrayFill(x -> x > 0, f_c1) AS f_a1,
  arrayPopBack(arrayPushFront(f_a1, 0.)) AS f_p1,
  arrayMap((m, p, t) -> if(m AND p > 0 AND t - p <= {p8:Float64}, p, 0.), f_m2, f_p1, f_t) AS f_c2,
  arrayMap(e -> bitTest(e.m, 2), ev) AS f_m3,
  arrayFill(x -> x > 0, f_c2) AS f_a2,
  arrayPopBack(arrayPushFront(f_a2, 0.)) AS f_p2,
  arrayMap((m, p, t) -> if(m AND p > 0 AND t - p <= {p8:Float64}, p, 0.), f_m3, f_p2, f_t) AS f_c3,
  greatest(if(arrayExists(x -> x > 0, f_c1), 1, 0), if(arrayExists(x -> x > 0, f_c2), 2, 0), if(arrayExists(x -> x > 0, f_c3), 3, 0)) AS f_d,
  arrayDistinct(arrayFilter(x -> x > 0, [f_c1, f_c2, f_c3][f_d])) AS f_k,
  f_k[1] AS f_s,
  (toUInt8(f_d), f_s, toUInt8(f_d > 0 AND f_s = 0), arraySlice([f_s, f_t[arrayFirstIndex(x -> x = f_s, f_c2)], f_t[arrayFirstIndex(x -> x = f_s, f_c3)]], 1, f_d)) AS m
FROM (
  SELECT aggregation_target, arraySort(groupArray(CAST((t, k, m) AS Tuple(t Float64, k UInt8, m UInt64)))) AS ev,
    [CAST([] AS Array(String))] AS prop_vals
  FROM (SELECT
    if(override_distinct_id != '', override_person_id, events.person_id) AS aggregation_target,
    toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,
    toUInt8(multiIf(events.event = {p1:String}, 1, events.event = {p2:String}, 2, events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0), 3, 0)) AS k,
    toUInt64(if(events.event = {p1:String}, 1, 0) + if(events.event = {p2:String}, 2, 0) + if(events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0), 4, 0)) AS m
FROM events
LEFT JOIN (
    SELECT distinct_id AS override_distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
) AS overrides ON events.distinct_id = overrides.override_distinct_id
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p6:DateTime64(6, 'UTC')} AND events.timestamp <= {p7:DateTime64(6, 'UTC')}
  AND ((events.event = {p1:String}) OR (events.event = {p2:String}) OR (events.event = {p3:String} AND ifNull(nullIf(JSONExtract(properties, {p4:String}, 'Nullable(String)'), '') = {p5:String}, 0))))
  GROUP BY aggregation_target
)
ARRAY JOIN prop_vals AS prop_val)
WHERE m.3 = 0 AND m.1 > 0)
GROUP BY breakdown)
)
GROUP BY final_breakdown
ORDER BY s2 DESC, s1 DESC, s0 DESC, final_breakdown
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
