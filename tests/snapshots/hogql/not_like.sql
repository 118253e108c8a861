-- hogql: select event from events where event not like '%a'
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE notLike(`events`.`event`, {p0:String})
LIMIT {p1:Int64}
-- params:
{
  "p0": "%a",
  "p1": 101,
  "team_id": 1
}
