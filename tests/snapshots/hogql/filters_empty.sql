-- hogql: select event from events where {filters}
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p0:Int64}
-- params:
{
  "p0": 101,
  "team_id": 1
}
