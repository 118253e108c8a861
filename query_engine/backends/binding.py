"""Turn Python parameter values into ClickHouse's text form for ``{name:Type}``.

Both engines receive exactly these values: chDB as its ``params`` mapping and
clickhouse-connect as server-side bind parameters.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from clickhouse_connect.driver.binding import format_bind_value, must_escape

# The driver escapes strings one character at a time in Python; str.translate does the
# same in C. Ingestion binds thousands of ids per batch, where this matters.
_ESCAPES = str.maketrans({char: "\\" + char for char in must_escape})


def normalize_value(value: Any) -> Any:
    # Microseconds matter for DateTime64(6); the driver's formatter drops them.
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [normalize_value(item) for item in value]
    return value


def normalize_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: normalize_value(value) for name, value in (params or {}).items()}


def text_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """The escaped-text form that chDB's ``params`` expects."""
    return {name: _text_value(value) for name, value in normalize_params(params).items()}


def _text_value(value: Any) -> str:
    """Exactly ``format_bind_value``'s text; strings and flat lists of strings take a fast path."""
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, list) and all(type(item) is str for item in value):
        return "[" + ", ".join(["'" + item.translate(_ESCAPES) + "'" for item in value]) + "]"
    return format_bind_value(value)
