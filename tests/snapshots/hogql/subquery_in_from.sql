-- hogql: select x from (select event as x from events)
SELECT `_sq1`.`x` AS `x`
FROM (SELECT `events`.`event` AS `x`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`) AS `_sq1`
LIMIT {p1:Int64}
-- params:
{
  "p1": 101,
  "team_id": 1
}
