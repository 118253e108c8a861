-- hogql: select now(), today()
SELECT now64(6, {tz:String}) AS `now()`, today({tz:String}) AS `today()`
LIMIT {p1:Int64}
-- params:
{
  "p1": 101,
  "tz": "UTC"
}
