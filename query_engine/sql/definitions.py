"""SQL for event and property definitions, computed from stored data (pure: no I/O).

PostHog records definitions at ingestion; here they are read from what is stored, with
bounded work: event names from every event (two narrow columns), property keys from the
project's most recent ``SAMPLE_ROWS`` events (or person or group rows), whose JSON is parsed.
Each value is classified by its JSON text so the caller can give a property its type.
"""

from __future__ import annotations

from query_engine.sql.params import Params

TEAM = "{team_id:Int64}"
# Events (or person rows) whose properties are read for property definitions.
SAMPLE_ROWS = 100_000
# Most event names / (key, kind[, event]) rows returned.
MAX_ROWS = 50_000

# An ISO-like date or date-time, as a JSON string.
DATE_TEXT = (
    r"""'^"[0-9]{4}-[0-9]{2}-[0-9]{2}"""
    r"""([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"$'"""
)
# A JSON value's kind: Numeric, Boolean, DateTime, String, null or Other (objects, arrays).
VALUE_KIND = f"""multiIf(
    raw IN ('true', 'false'), 'Boolean',
    match(raw, '^-?[0-9]'), 'Numeric',
    raw = 'null', 'null',
    match(raw, {DATE_TEXT}), 'DateTime',
    startsWith(raw, '"'), 'String',
    'Other')"""


def event_names_sql(team_id: int) -> tuple[str, dict]:
    """``(event, first stored, last seen)`` per event name, by name."""
    params = Params()
    params.named("team_id", team_id, "Int64")
    sql = f"""SELECT event, min(created_at), max(timestamp)
FROM events WHERE team_id = {TEAM}
GROUP BY event
ORDER BY event
LIMIT {params.add(MAX_ROWS, "UInt64")}"""
    return sql, params.values


def event_properties_sql(team_id: int) -> tuple[str, dict]:
    """``(key, event, kind, values)`` over the project's most recent events (read in key order:
    the newest days' granules only)."""
    params = Params()
    params.named("team_id", team_id, "Int64")
    sql = f"""SELECT key, event, {VALUE_KIND} AS kind, count()
FROM (
    SELECT event, kv.1 AS key, kv.2 AS raw
    FROM (
        SELECT event, properties FROM events WHERE team_id = {TEAM}
        ORDER BY toDate(timestamp) DESC
        LIMIT {params.add(SAMPLE_ROWS, "UInt64")}
    )
    ARRAY JOIN JSONExtractKeysAndValuesRaw(properties) AS kv
)
GROUP BY key, event, kind
LIMIT {params.add(MAX_ROWS, "UInt64")}"""
    return sql, params.values


def person_properties_sql(team_id: int) -> tuple[str, dict]:
    """``(key, kind, values)`` over up to ``SAMPLE_ROWS`` person rows (any version: a key once
    set stays defined, as PostHog's definitions do)."""
    params = Params()
    params.named("team_id", team_id, "Int64")
    sql = f"""SELECT key, {VALUE_KIND} AS kind, count()
FROM (
    SELECT kv.1 AS key, kv.2 AS raw
    FROM (
        SELECT properties FROM person WHERE team_id = {TEAM} AND is_deleted = 0
        LIMIT {params.add(SAMPLE_ROWS, "UInt64")}
    )
    ARRAY JOIN JSONExtractKeysAndValuesRaw(properties) AS kv
)
GROUP BY key, kind
LIMIT {params.add(MAX_ROWS, "UInt64")}"""
    return sql, params.values


def group_properties_sql(team_id: int, group_type_index: int) -> tuple[str, dict]:
    """``(key, kind, values)`` over up to ``SAMPLE_ROWS`` group rows of one group type (any
    version, as for persons)."""
    params = Params()
    params.named("team_id", team_id, "Int64")
    index = params.add(group_type_index, "UInt8")
    sql = f"""SELECT key, {VALUE_KIND} AS kind, count()
FROM (
    SELECT kv.1 AS key, kv.2 AS raw
    FROM (
        SELECT group_properties FROM groups WHERE team_id = {TEAM} AND group_type_index = {index}
        LIMIT {params.add(SAMPLE_ROWS, "UInt64")}
    )
    ARRAY JOIN JSONExtractKeysAndValuesRaw(group_properties) AS kv
)
GROUP BY key, kind
LIMIT {params.add(MAX_ROWS, "UInt64")}"""
    return sql, params.values
