"""One vocabulary for refresh, shared by views, the cache and Celery tasks."""

from __future__ import annotations

from enum import StrEnum

from query_engine.errors import QueryError


class ExecutionMode(StrEnum):
    FORCE_CACHE = "force_cache"
    BLOCKING = "blocking"
    ASYNC = "async"
    LAZY_ASYNC = "lazy_async"
    FORCE_BLOCKING = "force_blocking"
    FORCE_ASYNC = "force_async"
    ASYNC_EXCEPT_ON_CACHE_MISS = "async_except_on_cache_miss"


# Values older clients send for ``refresh``: a boolean true forces a recompute.
LEGACY_REFRESH = {
    "true": ExecutionMode.FORCE_BLOCKING,
    "1": ExecutionMode.FORCE_BLOCKING,
    "yes": ExecutionMode.FORCE_BLOCKING,
    "false": ExecutionMode.FORCE_CACHE,
    "0": ExecutionMode.FORCE_CACHE,
    "no": ExecutionMode.FORCE_CACHE,
}


def parse_refresh(value: object, *, default: ExecutionMode = ExecutionMode.FORCE_CACHE) -> ExecutionMode:
    """Read a ``refresh`` parameter; an unknown value is a 400 naming it."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return ExecutionMode.FORCE_BLOCKING if value else ExecutionMode.FORCE_CACHE
    text = str(value).strip().lower()
    if text in LEGACY_REFRESH:
        return LEGACY_REFRESH[text]
    try:
        return ExecutionMode(text)
    except ValueError:
        allowed = ", ".join(mode.value for mode in ExecutionMode)
        raise QueryError(
            f"'{value}' is not a refresh mode; use one of {allowed}.", attr="refresh", code="invalid_input"
        ) from None
