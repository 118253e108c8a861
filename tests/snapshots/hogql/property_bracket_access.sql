-- hogql: select properties['my key'] from events
SELECT `events`.`properties__my key` AS `properties['my key']`
FROM (SELECT nullIf(JSONExtract(events.properties, {p0:String}, 'Nullable(String)'), '') AS `properties__my key` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p1:Int64}
-- params:
{
  "p0": "my key",
  "p1": 101,
  "team_id": 1
}
