-- hogql: select event from events where {filters}
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64} AND events.timestamp >= {p0:DateTime64(6, 'UTC')}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p0": "2020-02-02T00:00:00+00:00",
  "p1": 101,
  "team_id": 1
}
