"""The engine's exceptions: plain Python, no HTTP.

``insights_api.errors`` maps them to PostHog's error envelope (status, ``type``,
``code``, ``detail``, ``attr``); the engine never names a status code.
"""

from __future__ import annotations

# What a client sees when a query runs past its time limit (never ClickHouse's text).
TIMEOUT_DETAIL = "The query took too long and was stopped. Narrow the date range or the filters."


class EngineError(Exception):
    """Base of everything the engine raises on purpose."""


class QueryError(EngineError):
    """A query the engine refused or could not run because of the request (a 400).

    ``attr`` names the offending field (``series__0__math``); ``code`` is the
    envelope's machine-readable code.
    """

    default_code = "query_error"

    def __init__(self, detail: str, *, attr: str | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.attr = attr
        self.code = code or self.default_code


class BackendError(EngineError, RuntimeError):
    """The event store refused or failed a statement (``code`` is ClickHouse's error code)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class QueryTimeout(BackendError):
    """The statement exceeded its ``max_execution_time``."""


class QueryCancelled(BackendError):
    """The statement was cancelled on request."""
