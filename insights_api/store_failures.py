"""What the API does when a store it depends on is down or hung.

* Redis (cache): ``CacheBreaker`` turns a refused or timed-out command into a cache miss
  (reads) or a dropped write, and then skips Redis for ``CACHE_RETRY_SECONDS`` so a hung
  server costs one socket timeout, not one per command. Everything the cache holds can be
  read again from the metadata database or recomputed; what cannot (async jobs) answers 503.
* PostgreSQL: connections open with a connect timeout and a server-side statement timeout,
  and ``QueryWatchdog`` shuts the socket of a query that has not answered well past that
  timeout (a paused server never sends the cancel), so the request fails fast.
* Either failure reaching the error handlers answers 503 in the envelope (``unavailable_response``).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)

METADATA_DOWN = "Metadata database unavailable, try again shortly."
CACHE_DOWN = "Cache unavailable, try again shortly."
QUEUE_DOWN = "Query queue unavailable, try again shortly."


class CacheUnavailable(Exception):
    """Work that needs the shared cache (async jobs) while it is down."""


# --- Redis ---------------------------------------------------------------------------


class CacheBreaker:
    """Open after a failure: callers skip the cache until ``retry_seconds`` have passed."""

    def __init__(self, retry_seconds: float) -> None:
        self.retry_seconds = retry_seconds
        self._open_until = 0.0
        self._dropped_writes = False
        self._recovery_hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def on_recovery(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the cache answers again after writes were dropped (invalidations lost)."""
        if hook not in self._recovery_hooks:
            self._recovery_hooks.append(hook)

    def call(self, operation: Callable[[], Any], fallback: Any, *, write: bool) -> Any:
        from redis.exceptions import RedisError

        if self.is_open:
            if write:
                self._dropped_writes = True
            return fallback
        try:
            result = operation()
        except (RedisError, OSError) as exc:
            with self._lock:
                first = not self.is_open
                self._open_until = time.monotonic() + self.retry_seconds
                self._dropped_writes = self._dropped_writes or write
            if first:
                logger.warning("cache unavailable (%s): serving without it", exc)
            return fallback
        if self._dropped_writes:
            self._recover()
        return result

    def _recover(self) -> None:
        with self._lock:
            if not self._dropped_writes:
                return
            self._dropped_writes = False
        logger.warning("cache answering again: invalidating what changed while it was down")
        for hook in self._recovery_hooks:
            try:
                hook()
            except Exception:  # a hook failing must not fail the request that noticed recovery
                logger.exception("cache recovery hook failed")
                self._dropped_writes = True


_breaker: CacheBreaker | None = None


def cache_breaker() -> CacheBreaker:
    global _breaker
    if _breaker is None:
        from django.conf import settings

        _breaker = CacheBreaker(settings.CACHE_RETRY_SECONDS)
    return _breaker


def require_cache() -> None:
    """Raise ``CacheUnavailable`` when the shared cache is known to be down."""
    if cache_breaker().is_open:
        raise CacheUnavailable(CACHE_DOWN)


# --- PostgreSQL ----------------------------------------------------------------------


class QueryWatchdog:
    """Shuts the socket of a metadata query that overran its deadline.

    A statement timeout is enforced by the server; a server that is paused or cut off
    enforces nothing, and a blocked read never returns. Shutting the socket down makes
    the driver raise at once; Django then discards the connection.
    """

    def __init__(self, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self._heap: list[tuple[float, int, int]] = []
        self._active: dict[int, int] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="db-query-watchdog", daemon=True)
            self._thread.start()

    @contextmanager
    def watching(self, fd: int) -> Iterator[None]:
        token = next(self._ids)
        deadline = time.monotonic() + self.grace_seconds
        with self._lock:
            self._active[token] = fd
            heapq.heappush(self._heap, (deadline, token, fd))
            self._ensure_thread()
        try:
            yield
        finally:
            with self._lock:
                self._active.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)
                wait = self._heap[0][0] - time.monotonic() if self._heap else 1.0
                expired = []
                while self._heap and self._heap[0][0] <= time.monotonic():
                    _, token, fd = heapq.heappop(self._heap)
                    if self._active.pop(token, None) is not None:
                        expired.append(fd)
            for fd in expired:
                _shutdown(fd)
            self._wake.wait(max(0.05, min(wait, 0.5)))


def _shutdown(fd: int) -> None:
    logger.error("metadata database did not answer in time: closing the connection")
    try:
        sock = socket.socket(fileno=socket.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


_watchdog: QueryWatchdog | None = None


def _connection_fd(connection: Any) -> int | None:
    raw = getattr(connection, "connection", None)
    try:
        return raw.fileno() if raw is not None else None
    except Exception:  # a closed or broken connection has no socket to watch
        return None


def _watch_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
    connection = context["connection"]
    fd = _connection_fd(connection)
    if fd is None or _watchdog is None:
        return execute(sql, params, many, context)
    with _watchdog.watching(fd):
        return execute(sql, params, many, context)


def install_query_watchdog(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: watch every query of PostgreSQL connections."""
    from django.conf import settings

    global _watchdog
    if connection.vendor != "postgresql" or not settings.DB_STATEMENT_TIMEOUT_SECONDS:
        return
    if _watchdog is None:
        _watchdog = QueryWatchdog(settings.DB_STATEMENT_TIMEOUT_SECONDS + 0.5)
    if _watch_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_query)


# --- Answers -------------------------------------------------------------------------


def unavailable_body(detail: str) -> dict[str, Any]:
    return {"type": "server_error", "code": "unavailable", "detail": detail, "attr": None}


def classify(exc: BaseException) -> str | None:
    """The 503 detail for a store failure, or None when ``exc`` is not one."""
    from kombu.exceptions import OperationalError as QueueError
    from redis.exceptions import RedisError

    if isinstance(exc, OperationalError | InterfaceError):
        return METADATA_DOWN
    if isinstance(exc, DatabaseError) and "statement timeout" in str(exc):
        return METADATA_DOWN
    if isinstance(exc, CacheUnavailable | RedisError):
        return CACHE_DOWN
    if isinstance(exc, QueueError):
        return QUEUE_DOWN
    return None


def unavailable_response(exc: BaseException) -> JsonResponse | None:
    detail = classify(exc)
    if detail is None:
        return None
    logger.error("store unavailable: %s", exc)
    return JsonResponse(unavailable_body(detail), status=503, headers={"Retry-After": "5"})
