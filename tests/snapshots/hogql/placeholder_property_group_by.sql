-- hogql: select count(), event from events where properties.random_uuid = {random_uuid} group by event
SELECT count() AS `count()`, `events`.`event` AS `event`
FROM (SELECT events.event AS `event`, nullIf(JSONExtract(events.properties, {p0:String}, 'Nullable(String)'), '') AS `properties__random_uuid` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE ifNull(equals(`events`.`properties__random_uuid`, {p1:String}), 0)
GROUP BY `events`.`event`
LIMIT {p2:Int64}
-- params:
{
  "p0": "random_uuid",
  "p1": "0188a1b2-0000-7000-8000-000000000001",
  "p2": 101,
  "team_id": 1
}
