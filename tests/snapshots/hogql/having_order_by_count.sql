-- hogql: select event, count() from events group by event having count() > 1 order by count() desc
SELECT `events`.`event` AS `event`, count() AS `count()`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
GROUP BY `events`.`event`
HAVING ifNull(greater(count(), {p0:Int64}), 0)
ORDER BY count() DESC
LIMIT {p1:Int64}
-- params:
{
  "p0": 1,
  "p1": 101,
  "team_id": 1
}
