-- statement 1; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, breakdown_value, value AS value
FROM (
SELECT toStartOfDay(toTimeZone(events.timestamp, {tz:String})) AS bucket_start, [ifNull(nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), ''), {p1:String}), ifNull(nullIf(JSONExtract(person_properties, {p2:String}, 'Nullable(String)'), ''), {p3:String})] AS breakdown_value, count() AS value
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p6:DateTime64(6, 'UTC')} AND events.timestamp <= {p7:DateTime64(6, 'UTC')}
  AND events.event = {p8:String}
GROUP BY bucket_start, breakdown_value
)
-- params
{
  "p0": "$browser",
  "p1": "$$_posthog_breakdown_null_$$",
  "p2": "plan",
  "p3": "$$_posthog_breakdown_null_$$",
  "p6": "2024-01-01T00:00:00+00:00",
  "p7": "2024-01-07T23:59:59.999999+00:00",
  "p8": "$pageview",
  "team_id": 7,
  "tz": "UTC"
}
