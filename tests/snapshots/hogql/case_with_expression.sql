-- hogql: select case event when 'a' then 1 else 2 end from events
SELECT caseWithExpression(`events`.`event`, {p0:String}, {p1:Int64}, {p2:Int64}) AS `_caseWithExpression(event, 'a', 1, 2)`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p3:Int64}
-- params:
{
  "p0": "a",
  "p1": 1,
  "p2": 2,
  "p3": 101,
  "team_id": 1
}
