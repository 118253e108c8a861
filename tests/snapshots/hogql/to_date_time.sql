-- hogql: select toDateTime('2020-01-01 00:00:00')
SELECT parseDateTime64BestEffortOrNull(toString({p0:String}), 6, {tz:String}) AS `toDateTime('2020-01-01 00:00:00')`
LIMIT {p2:Int64}
-- params:
{
  "p0": "2020-01-01 00:00:00",
  "p2": 101,
  "tz": "UTC"
}
