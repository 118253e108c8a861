-- hogql: select toStartOfWeek(timestamp) from events
SELECT toStartOfWeek(`events`.`timestamp`, 0) AS `toStartOfWeek(timestamp)`
FROM (SELECT toTimeZone(events.timestamp, {tz:String}) AS `timestamp` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p1": 101,
  "team_id": 1,
  "tz": "UTC"
}
