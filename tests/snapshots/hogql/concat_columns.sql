-- hogql: select concat(event, ' ', properties.key) from events
SELECT concat(ifNull(toString(`events`.`event`), ''), ifNull(toString({p0:String}), ''), ifNull(toString(`events`.`properties__key`), '')) AS `concat(event, ' ', properties.key)`
FROM (SELECT events.event AS `event`, nullIf(JSONExtract(events.properties, {p1:String}, 'Nullable(String)'), '') AS `properties__key` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p2:Int64}
-- params:
{
  "p0": " ",
  "p1": "key",
  "p2": 101,
  "team_id": 1
}
