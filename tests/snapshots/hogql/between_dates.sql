-- hogql: select event from events where timestamp between '2020-01-01' and '2020-02-01'
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event`, toTimeZone(events.timestamp, {tz:String}) AS `timestamp` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE ifNull((`events`.`timestamp` BETWEEN {p0:String} AND {p1:String}), 0)
LIMIT {p3:Int64}
-- params:
{
  "p0": "2020-01-01",
  "p1": "2020-02-01",
  "p3": 101,
  "team_id": 1,
  "tz": "UTC"
}
