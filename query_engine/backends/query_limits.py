"""The limits every query a client asks for runs under, from settings.

ClickHouse stops a statement past them and raises; ``errors_for`` turns those codes into
what the client is told (a 400 naming the setting), never ClickHouse's own text. Internal
reads (ingestion's person book, migrations) do not go through here: they are not bounded
by what one request may ask for.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

MEMORY_LIMIT_EXCEEDED = 241
TOO_MANY_ROWS = 158
TOO_MANY_ROWS_OR_BYTES = 396

# Code → (what the client is told, the setting that bounds it).
LIMIT_ERRORS: dict[int, tuple[str, str]] = {
    MEMORY_LIMIT_EXCEEDED: ("The query needs more memory than allowed", "CLICKHOUSE_MAX_MEMORY_USAGE"),
    TOO_MANY_ROWS_OR_BYTES: (
        "The query's result is larger than allowed",
        "CLICKHOUSE_MAX_RESULT_ROWS / CLICKHOUSE_MAX_RESULT_BYTES",
    ),
    TOO_MANY_ROWS: ("The query reads more rows than allowed", "CLICKHOUSE_MAX_RESULT_ROWS"),
}


def limit_settings(max_execution_time: int) -> dict[str, Any]:
    """ClickHouse settings for one client query: time, memory and result size."""
    return {
        "max_execution_time": max_execution_time,
        "max_memory_usage": int(settings.CLICKHOUSE_MAX_MEMORY_USAGE),
        "max_result_rows": int(settings.CLICKHOUSE_MAX_RESULT_ROWS),
        "max_result_bytes": int(settings.CLICKHOUSE_MAX_RESULT_BYTES),
        "result_overflow_mode": "throw",
    }


def limit_message(code: int | None) -> str | None:
    """The client's words for a limit ClickHouse enforced, or None for any other error."""
    if code not in LIMIT_ERRORS:
        return None
    text, setting = LIMIT_ERRORS[code]
    return f"{text} (the server's {setting} setting). Narrow the date range, the breakdown or the filters."
