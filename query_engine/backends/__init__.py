"""Backend selection: chDB unless CLICKHOUSE_URL names a server."""

from __future__ import annotations

import threading

from django.conf import settings

from query_engine.backends.base import (
    Backend,
    BackendError,
    Progress,
    QueryCancelled,
    QueryResult,
    QueryTimeout,
)

__all__ = [
    "Backend",
    "BackendError",
    "Progress",
    "QueryCancelled",
    "QueryResult",
    "QueryTimeout",
    "embedded_store_held_elsewhere",
    "get_backend",
    "open_backend",
    "reset_backend",
]

_backend: Backend | None = None
_lock = threading.Lock()


def _create_backend() -> Backend:
    if settings.CLICKHOUSE_URL:
        from query_engine.backends.clickhouse_connect_backend import ClickHouseConnectBackend

        return ClickHouseConnectBackend(
            settings.CLICKHOUSE_URL, settings.CLICKHOUSE_DATABASE, cluster=settings.CLICKHOUSE_CLUSTER
        )
    from query_engine.backends.chdb_backend import ChdbBackend

    return ChdbBackend(
        settings.CHDB_PATH, settings.CLICKHOUSE_DATABASE, connections=settings.CHDB_CONNECTIONS
    )


def get_backend() -> Backend:
    """The process-wide backend, opened on first use."""
    global _backend
    if _backend is None:
        with _lock:
            if _backend is None:
                _backend = _create_backend()
    return _backend


def open_backend() -> Backend | None:
    """The process-wide backend if it is open, without opening it."""
    return _backend


def reset_backend() -> None:
    global _backend
    with _lock:
        if _backend is not None:
            _backend.close()
        _backend = None


def embedded_store_held_elsewhere() -> str | None:
    """chDB's data directory when another process (a running server) holds it, else None.

    chDB admits one process per directory: a command run beside ``bin/serve`` cannot open it
    and must go through the server instead. Never true with a ClickHouse server, nor when
    this process has the store open itself.
    """
    if settings.CLICKHOUSE_URL or _backend is not None:
        return None
    from query_engine.backends.chdb_backend import data_dir_locked

    return settings.CHDB_PATH if data_dir_locked(settings.CHDB_PATH) else None
