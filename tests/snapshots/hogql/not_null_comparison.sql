-- hogql: select event from events where event != null
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE isNotNull(`events`.`event`)
LIMIT {p0:Int64}
-- params:
{
  "p0": 101,
  "team_id": 1
}
