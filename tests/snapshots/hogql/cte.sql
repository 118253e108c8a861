-- hogql: with cte as (select event from events) select event from cte
SELECT `cte`.`event` AS `event`
FROM (SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`) AS `cte`
LIMIT {p1:Int64}
-- params:
{
  "p1": 101,
  "team_id": 1
}
