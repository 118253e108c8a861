-- hogql: select distinct_id, row_number() over w from events window w as (partition by distinct_id order by timestamp)
SELECT `events`.`distinct_id` AS `distinct_id`, row_number() OVER `w` AS `row_number() OVER w`
FROM (SELECT events.distinct_id AS `distinct_id`, toTimeZone(events.timestamp, {tz:String}) AS `timestamp` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WINDOW `w` AS (PARTITION BY `events`.`distinct_id` ORDER BY `events`.`timestamp` ASC)
LIMIT {p1:Int64}
-- params:
{
  "p1": 101,
  "team_id": 1,
  "tz": "UTC"
}
