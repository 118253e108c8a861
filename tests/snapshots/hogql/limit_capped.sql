-- hogql: select event from events limit 1000000
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p0:Int64}
-- params:
{
  "p0": 50000,
  "team_id": 1
}
