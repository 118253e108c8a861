-- statement 1; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, value AS value
FROM (
SELECT toStartOfDay(toTimeZone(events.timestamp, {tz:String})) AS bucket_start, ifNull(sum(toFloat64OrNull(nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), ''))), 0) AS value
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p3:DateTime64(6, 'UTC')} AND events.timestamp <= {p4:DateTime64(6, 'UTC')}
  AND events.event = {p5:String}
GROUP BY bucket_start
)
-- params
{
  "p0": "price",
  "p3": "2024-01-01T00:00:00+00:00",
  "p4": "2024-01-07T23:59:59.999999+00:00",
  "p5": "$pageview",
  "team_id": 7,
  "tz": "UTC"
}
