-- hogql: select sum(toFloat(properties.price)) from events where timestamp > now() - interval 7 day
SELECT sum(toFloat64OrNull(toString(`events`.`properties__price`))) AS `sum(toFloat(properties.price))`
FROM (SELECT nullIf(JSONExtract(events.properties, {p0:String}, 'Nullable(String)'), '') AS `properties__price`, toTimeZone(events.timestamp, {tz:String}) AS `timestamp` FROM events WHERE events.team_id = {team_id:Int64}) AS `events`
WHERE ifNull(greater(`events`.`timestamp`, minus(now64(6, {tz:String}), toIntervalDay({p2:Int64}))), 0)
LIMIT {p3:Int64}
-- params:
{
  "p0": "price",
  "p2": 7,
  "p3": 101,
  "team_id": 1,
  "tz": "UTC"
}
