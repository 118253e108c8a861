-- hogql: SELECT event, timestamp, pdi.distinct_id, pdi.person_id FROM events LIMIT 10
SELECT `events`.`event` AS `event`, `events`.`timestamp` AS `timestamp`, `events`.`pdi__distinct_id` AS `distinct_id`, `events`.`pdi__person_id` AS `person_id`
FROM (SELECT events.event AS `event`, toTimeZone(events.timestamp, {tz:String}) AS `timestamp`, events__pdi.distinct_id AS `pdi__distinct_id`, events__pdi.person_id AS `pdi__person_id` FROM events
INNER JOIN (SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id2 WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0) AS events__pdi ON events.distinct_id = events__pdi.distinct_id WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p1": 10,
  "team_id": 1,
  "tz": "UTC"
}
