-- hogql: select event from events where {filters}
SELECT `events`.`event` AS `event`
FROM (SELECT events.event AS `event` FROM events WHERE events.team_id = {team_id:Int64} AND ifNull(NOT (nullIf(JSONExtract(person_properties, {p0:String}, 'Nullable(String)'), '') ILIKE {p1:String}), 1)) AS `events`
LIMIT {p2:Int64}
-- params:
{
  "p0": "email",
  "p1": "%posthog.com%",
  "p2": 101,
  "team_id": 1
}
