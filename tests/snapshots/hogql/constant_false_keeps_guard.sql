-- hogql: select 1 from events where 1 == 2
SELECT {p0:Int64} AS `1`
FROM (SELECT 1 AS `_` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE equals({p1:Int64}, {p2:Int64})
LIMIT {p3:Int64}
-- params:
{
  "p0": 1,
  "p1": 1,
  "p2": 2,
  "p3": 101,
  "team_id": 1
}
