-- hogql: select properties.$browser from events where properties.$browser ilike '%chrome%'
SELECT `events`.`properties__$browser` AS `$browser`
FROM (SELECT nullIf(JSONExtract(events.properties, {p0:String}, 'Nullable(String)'), '') AS `properties__$browser` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE ifNull(ilike(`events`.`properties__$browser`, {p1:String}), 0)
LIMIT {p2:Int64}
-- params:
{
  "p0": "$browser",
  "p1": "%chrome%",
  "p2": 101,
  "team_id": 1
}
