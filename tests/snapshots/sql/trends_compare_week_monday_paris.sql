-- statement 1; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, value AS value
FROM (
SELECT toStartOfWeek(toTimeZone(events.timestamp, {tz:String}), 3) AS bucket_start, count() AS value
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p2:DateTime64(6, 'UTC')} AND events.timestamp <= {p3:DateTime64(6, 'UTC')}
  AND events.event = {p4:String}
GROUP BY bucket_start
)
-- params
{
  "p2": "2024-01-01T00:00:00+01:00",
  "p3": "2024-01-07T23:59:59.999999+01:00",
  "p4": "$pageview",
  "team_id": 7,
  "tz": "Europe/Paris"
}

-- statement 2; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, value AS value
FROM (
SELECT toStartOfWeek(toTimeZone(events.timestamp, {tz:String}), 3) AS bucket_start, count() AS value
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p2:DateTime64(6, 'UTC')} AND events.timestamp <= {p3:DateTime64(6, 'UTC')}
  AND events.event = {p4:String}
GROUP BY bucket_start
)
-- params
{
  "p2": "2023-12-25T00:00:00+01:00",
  "p3": "2023-12-31T23:59:59.999999+01:00",
  "p4": "$pageview",
  "team_id": 7,
  "tz": "Europe/Paris"
}
