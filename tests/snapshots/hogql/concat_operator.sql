-- hogql: select event || 'x' from events
SELECT concat(ifNull(toString(`events`.`event`), ''), ifNull(toString({p0:String}), '')) AS `concat(event, 'x')`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p0": "x",
  "p1": 101,
  "team_id": 1
}
