-- statement 1; settings: {"max_execution_time":63,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(pair.1, '%Y-%m-%d %H:%i:%S') AS period, pair.2 AS status, count() AS actors
FROM (
SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor, arraySort(groupUniqArray(toStartOfDay(toTimeZone(events.timestamp, {tz:String})))) AS active,
  toStartOfDay(toTimeZone(min(events.person_created_at), {tz:String})) AS created
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p3:DateTime64(6, 'UTC')} AND events.timestamp <= {p4:DateTime64(6, 'UTC')}
  AND events.event = {p5:String}
  AND ifNull(nullIf(JSONExtract(properties, {p1:String}, 'Nullable(String)'), '') != 'false', 1)
GROUP BY actor
)
ARRAY JOIN arrayConcat(
    arrayMap((d, i) -> (d, multiIf(
        if(i = 1, created, active[i - 1]) = d, 'new',
        i > 1 AND active[i - 1] + toIntervalDay(1) = d, 'returning',
        'resurrecting')), active, arrayEnumerate(active)),
    arrayFilter(x -> x.2 != '', arrayMap((d, i) -> if(
        i < length(active) AND active[i + 1] = d + toIntervalDay(1), (d, ''), (d + toIntervalDay(1), 'dormant')),
        active, arrayEnumerate(active)))
) AS pair
GROUP BY period, status
-- params
{
  "p1": "$process_person_profile",
  "p3": "2023-12-31T00:00:00+00:00",
  "p4": "2024-01-07T23:59:59.999999+00:00",
  "p5": "$pageview",
  "team_id": 7,
  "tz": "UTC"
}
