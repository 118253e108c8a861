-- hogql: select event from events limit 10 offset 5
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p0:Int64}
OFFSET {p1:Int64}
-- params:
{
  "p0": 10,
  "p1": 5,
  "team_id": 1
}
