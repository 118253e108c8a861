-- statement 1; settings: {"max_execution_time":60,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT concat(toString(edge.1 - 1), '_', edge.2) AS source,
  concat(toString(edge.1), '_', edge.3) AS target,
  count() AS value,
  avg(edge.4) AS average_conversion_time
FROM (
  SELECT arraySlice(compact, start_at, {step_limit:Int64}) AS path
  FROM (
    SELECT arrayFilter((e, i) -> i = length(session) OR e.1 != session[i + 1].1,
        session, arrayEnumerate(session)) AS compact,
      arrayMap(e -> e.1, compact) AS items,
      indexOf(items, {start_point:String}) AS start_at
    FROM (
      SELECT timeline
      FROM (
        SELECT actor, arraySort(e -> (e.2, e.1), groupArray((path_item, ms))) AS timeline
        FROM (
          SELECT if(empty(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), events.person_id, ifNull(arrayElement(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 2), transform(events.distinct_id, tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1), arrayEnumerate(tupleElement((SELECT tuple(groupArray(override_id), CAST(groupArray(override_person), 'Array(Nullable(UUID))')) FROM (SELECT distinct_id AS override_id, argMax(person_id, version) AS override_person FROM person_distinct_id_overrides WHERE team_id = {team_id:Int64} GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0)), 1)), 0)), events.person_id)) AS actor, replaceRegexpAll(multiIf(events.event = {p8:String}, replaceRegexpAll(ifNull(nullIf(JSONExtract(events.properties, {p7:String}, 'Nullable(String)'), ''), ''), '(.)/$', '\\1'), events.event), {p9:String}, {p10:String}) AS cleaned_item,
            cleaned_item AS path_item,
            toUnixTimestamp64Milli(events.timestamp) AS ms
          FROM events
          WHERE events.team_id = {team_id:Int64} AND events.timestamp >= {p1:DateTime64(6, 'UTC')} AND events.timestamp <= {p2:DateTime64(6, 'UTC')} AND (events.event = {p11:String})
        )
        GROUP BY actor
      )
    )
    ARRAY JOIN arraySplit((e, gap) -> gap >= {session_gap_ms:Int64},
      timeline, arrayDifference(arrayMap(e -> e.2, timeline))) AS session
  )
  WHERE start_at > 0
)
ARRAY JOIN arrayMap(i -> (i, path[i - 1].1, path[i].1, path[i].2 - path[i - 1].2),
  range(2, length(path) + 1)) AS edge
GROUP BY source, target
ORDER BY value DESC, source, target
LIMIT {edge_limit:Int64}
-- params
{
  "edge_limit": 50,
  "p1": "2024-01-01T00:00:00+00:00",
  "p10": "/item/:id",
  "p11": "$pageview",
  "p2": "2024-01-07T23:59:59.999999+00:00",
  "p7": "$current_url",
  "p8": "$pageview",
  "p9": "/item/\\d+",
  "session_gap_ms": 1800000,
  "start_point": "/home",
  "step_limit": 5,
  "team_id": 7
}
