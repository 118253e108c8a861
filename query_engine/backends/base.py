"""The backend seam: the only place that talks to ClickHouse.

Both engines run the same SQL text with the same ``{name:Type}`` bound
parameters and return rows parsed from the same ``JSONCompact`` output, so
results are identical whichever engine answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import orjson

from query_engine.errors import BackendError, QueryCancelled, QueryTimeout


@dataclass(frozen=True)
class Progress:
    rows_read: int = 0
    bytes_read: int = 0
    total_rows_to_read: int = 0
    elapsed_seconds: float = 0.0


ProgressCallback = Callable[[Progress], None]


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    rows_read: int = 0
    bytes_read: int = 0
    elapsed_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Backend(Protocol):
    name: str
    # True when this process is the only one that can write the store (chDB: one process
    # per data directory), so it may keep what it wrote in memory instead of reading it back.
    single_writer: bool

    def execute(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> QueryResult: ...

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...

    def fetch_row_binary(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        """The statement's result in ``RowBinary`` (bulk numeric columns, no JSON)."""
        ...

    def insert_json_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int: ...

    def insert_json_payload(self, table: str, payload: bytes) -> None:
        """Insert an already encoded ``JSONEachRow`` payload."""
        ...

    def cancel(self, query_id: str) -> bool: ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...


# ClickHouse error codes that mean the query ran out of time.
TIMEOUT_CODES = {159, 160}
CANCELLED_CODES = {394}

# Settings every query gets, on both engines, so the JSON output is the same.
OUTPUT_SETTINGS: dict[str, Any] = {
    "output_format_json_quote_64bit_integers": 0,
    "output_format_json_quote_64bit_floats": 0,
    "output_format_json_quote_denormals": 0,
    "output_format_json_named_tuples_as_objects": 0,
    "date_time_output_format": "iso",
}


def parse_json_compact(payload: bytes) -> QueryResult:
    if not payload.strip():
        return QueryResult(columns=[], types=[], rows=[])
    doc = orjson.loads(payload)
    meta = doc.get("meta", [])
    stats = doc.get("statistics", {})
    return QueryResult(
        columns=[m["name"] for m in meta],
        types=[m["type"] for m in meta],
        rows=doc.get("data", []),
        rows_read=int(stats.get("rows_read", 0) or 0),
        bytes_read=int(stats.get("bytes_read", 0) or 0),
        elapsed_seconds=float(stats.get("elapsed", 0.0) or 0.0),
    )


def finish_result(payload: bytes, *, started: float, on_progress: ProgressCallback | None) -> QueryResult:
    """Parse a finished statement's output and report its statistics as final progress."""
    result = parse_json_compact(payload)
    result.elapsed_seconds = result.elapsed_seconds or time.monotonic() - started
    if on_progress is not None:
        on_progress(
            Progress(
                rows_read=result.rows_read,
                bytes_read=result.bytes_read,
                total_rows_to_read=result.rows_read,
                elapsed_seconds=result.elapsed_seconds,
            )
        )
    return result


def encode_json_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[bytes, int]:
    """A JSONEachRow payload: one JSON array of the rows (the format reads either form).

    One encoder call for the whole list instead of one per row: ~10x less Python time for
    a 1,000-event insert. msgspec, not orjson: captured properties may hold integers past
    64 bits (msgspec decodes them as ints), which orjson refuses to encode.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    return (msgspec.json.encode(rows) if rows else b""), len(rows)


_LINES_ENCODER = msgspec.json.Encoder()


def encode_json_lines(rows: Iterable[Mapping[str, Any]]) -> tuple[bytes, int]:
    """Rows as newline-terminated JSON lines (JSONEachRow too; a cut-off line is detectable)."""
    rows = rows if isinstance(rows, list) else list(rows)
    return (_LINES_ENCODER.encode_lines(rows) if rows else b""), len(rows)


def error_code(message: str) -> int | None:
    """Pull ClickHouse's ``Code: NNN`` out of an error message."""
    marker = "Code: "
    start = message.find(marker)
    if start < 0:
        return None
    digits = ""
    for char in message[start + len(marker) :]:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


def classify_error(message: str) -> BackendError:
    code = error_code(message)
    if code in TIMEOUT_CODES:
        return QueryTimeout(message, code=code)
    if code in CANCELLED_CODES:
        return QueryCancelled(message, code=code)
    return BackendError(message, code=code)


def merged_settings(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    result: dict[str, Any] = dict(OUTPUT_SETTINGS)
    for layer in layers:
        if layer:
            result.update(layer)
    return result


def settings_clause(settings: Mapping[str, Any]) -> str:
    """Render a SETTINGS clause from trusted, code-defined settings only."""
    parts = []
    for key, value in settings.items():
        if not key.replace("_", "").isalnum():
            raise ValueError(f"invalid setting name {key!r}")
        if isinstance(value, bool):
            rendered = "1" if value else "0"
        elif isinstance(value, int | float):
            rendered = repr(value)
        else:
            rendered = "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
        parts.append(f"{key} = {rendered}")
    return " SETTINGS " + ", ".join(parts) if parts else ""


def split_statements(sql: str) -> Sequence[str]:
    return [part.strip() for part in sql.split(";\n") if part.strip()]
