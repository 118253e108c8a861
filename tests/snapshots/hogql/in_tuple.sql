-- hogql: select event from events where event in ('a', 'b')
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE ifNull(in(`events`.`event`, tuple({p0:String}, {p1:String})), 0)
LIMIT {p2:Int64}
-- params:
{
  "p0": "a",
  "p1": "b",
  "p2": 101,
  "team_id": 1
}
