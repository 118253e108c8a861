-- hogql: SELECT event, timestamp FROM events WHERE event != 'a' ORDER BY timestamp DESC
SELECT `events`.`event` AS `event`, `events`.`timestamp` AS `timestamp`
FROM (SELECT events.event AS `event`, toTimeZone(events.timestamp, {tz:String}) AS `timestamp` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE notEquals(`events`.`event`, {p1:String})
ORDER BY `events`.`timestamp` DESC
LIMIT {p2:Int64}
-- params:
{
  "p1": "a",
  "p2": 101,
  "team_id": 1,
  "tz": "UTC"
}
