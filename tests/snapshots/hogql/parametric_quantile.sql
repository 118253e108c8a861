-- hogql: select quantile(0.95)(toFloat(properties.price)) from events
SELECT quantile({p1:Float64})(toFloat64OrNull(toString(`events`.`properties__price`))) AS `quantile(0.95)(toFloat(properties.price))`
FROM (SELECT nullIf(JSONExtract(events.properties, {p0:String}, 'Nullable(String)'), '') AS `properties__price` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
LIMIT {p2:Int64}
-- params:
{
  "p0": "price",
  "p1": 0.95,
  "p2": 101,
  "team_id": 1
}
