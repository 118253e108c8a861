-- hogql: select 1 from events cross join persons
SELECT {p0:Int64} AS `1`
FROM (SELECT 1 AS `_` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
CROSS JOIN (SELECT 1 AS `_` FROM (SELECT id, argMax(created_at, version) AS created_at,
        argMax(properties, version) AS properties, argMax(is_identified, version) AS is_identified
    FROM person WHERE team_id = {team_id:Int64}
    GROUP BY id HAVING argMax(is_deleted, version) = 0) AS persons) AS `persons`
LIMIT {p1:Int64}
-- params:
{
  "p0": 1,
  "p1": 101,
  "team_id": 1
}
