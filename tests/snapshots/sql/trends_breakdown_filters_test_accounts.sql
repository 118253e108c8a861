-- statement 1; settings: {"max_execution_time":61,"max_memory_usage":2147483648,"max_result_bytes":268435456,"max_result_rows":1000000,"result_overflow_mode":"throw"}
SELECT formatDateTime(bucket_start, '%Y-%m-%d %H:%i:%S') AS bucket, breakdown_value, value AS value
FROM (
SELECT toStartOfDay(toTimeZone(events.timestamp, {tz:String})) AS bucket_start, ifNull(if(isNull(nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), '')), NULL, if(empty(trim(TRAILING '/?#' FROM nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), ''))), '/', trim(TRAILING '/?#' FROM nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), '')))), {p1:String}) AS breakdown_value, count() AS value
FROM events
WHERE events.team_id = {team_id:Int64}
  AND events.timestamp >= {p4:DateTime64(6, 'UTC')} AND events.timestamp <= {p5:DateTime64(6, 'UTC')}
  AND events.event = {p6:String}
  AND ifNull(nullIf(JSONExtract(properties, {p7:String}, 'Nullable(String)'), '') IN {p8:Array(String)}, 0) AND ifNull(NOT (nullIf(JSONExtract(person_properties, {p9:String}, 'Nullable(String)'), '') ILIKE {p10:String}), 1)
GROUP BY bucket_start, breakdown_value
)
-- params
{
  "p0": "$browser",
  "p1": "$$_posthog_breakdown_null_$$",
  "p10": "%@example.com%",
  "p4": "2024-01-01T00:00:00+00:00",
  "p5": "2024-01-07T23:59:59.999999+00:00",
  "p6": "$pageview",
  "p7": "$os",
  "p8": [
    "Mac OS X",
    "Linux"
  ],
  "p9": "email",
  "team_id": 7,
  "tz": "UTC"
}
