-- hogql: select * from events
SELECT `events`.`uuid` AS `uuid`, `events`.`event` AS `event`, `events`.`properties` AS `properties`, `events`.`timestamp` AS `timestamp`, `events`.`team_id` AS `team_id`, `events`.`distinct_id` AS `distinct_id`, `events`.`elements_chain` AS `elements_chain`, `events`.`created_at` AS `created_at`, `events`.`$session_id` AS `$session_id`, `events`.`$window_id` AS `$window_id`
FROM (SELECT events.uuid AS `uuid`, events.event AS `event`, events.properties AS `properties`, toTimeZone(events.timestamp, {tz:String}) AS `timestamp`, events.team_id AS `team_id`, events.distinct_id AS `distinct_id`, events.elements_chain AS `elements_chain`, toTimeZone(events.created_at, {tz:String}) AS `created_at`, events.`$session_id` AS `$session_id`, events.`$window_id` AS `$window_id` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p1": 101,
  "team_id": 1,
  "tz": "UTC"
}
