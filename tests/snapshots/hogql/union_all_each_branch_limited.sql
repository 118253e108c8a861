-- hogql: select 1 from events union all select 2 from events
SELECT {p0:Int64} AS `1`
FROM (SELECT 1 AS `_` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
UNION ALL SELECT {p3:Int64} AS `2`
FROM (SELECT 1 AS `_` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p4:Int64}
-- params:
{
  "p0": 1,
  "p1": 100,
  "p3": 2,
  "p4": 100,
  "team_id": 1
}
