-- hogql: select case when event = 'a' then 1 when event = 'b' then 2 else 3 end from events
SELECT multiIf(equals(`events`.`event`, {p0:String}), {p1:Int64}, equals(`events`.`event`, {p2:String}), {p3:Int64}, {p4:Int64}) AS `multiIf(event == 'a', 1, event == 'b', 2, 3)`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p5:Int64}
-- params:
{
  "p0": "a",
  "p1": 1,
  "p2": "b",
  "p3": 2,
  "p4": 3,
  "p5": 101,
  "team_id": 1
}
