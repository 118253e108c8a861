"""Which event properties have a column now: read from ``system.columns``, cached briefly.

Every process reads the same catalog (the table's own columns), so a column one process
adds is used by the others within ``PROPERTY_COLUMNS_CATALOG_SECONDS``; until then they read
the JSON, which gives the same values. A catalog older than that is never used: a column is
dropped only after it has been retired for longer (``auto.drop_grace``), so no query can
name a column that is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from query_engine.materialized.columns import PREFIX, TABLE, PropertyColumn, parse_comment

log = logging.getLogger(__name__)

COLUMNS_SQL = (
    "SELECT name, comment FROM system.columns"
    " WHERE database = currentDatabase() AND table = {table:String} AND startsWith(name, {prefix:String})"
)


@dataclass
class _Cache:
    backend_id: int = 0
    loaded_at: float = float("-inf")
    columns: tuple[PropertyColumn, ...] = ()
    active: dict[str, str] = field(default_factory=dict)
    pinned: dict[str, str] | None = None


_lock = threading.Lock()
_cache = _Cache()


def ttl() -> float:
    return float(settings.PROPERTY_COLUMNS_CATALOG_SECONDS)


def load(backend: Any = None) -> tuple[PropertyColumn, ...]:
    """Every property column of ``events``, active or retired (one metadata query)."""
    from query_engine.backends import get_backend
    from query_engine.backends.read_hooks import reads_without_hooks

    backend = get_backend() if backend is None else backend
    with reads_without_hooks():  # metadata only: no need to write ingestion's journal out first
        rows = backend.execute(COLUMNS_SQL, {"table": TABLE, "prefix": PREFIX}).rows
    found = (parse_comment(str(name), str(text)) for name, text in rows)
    return tuple(column for column in found if column is not None)


def refresh(backend: Any = None, *, if_older_than: float = 0.0) -> None:
    """Re-read the catalog (unless it was read less than ``if_older_than`` seconds ago from
    this backend)."""
    from query_engine.backends import get_backend

    backend = get_backend() if backend is None else backend
    backend_id = id(backend)
    if _age(backend_id) < if_older_than:
        return
    with _lock:
        if _age(backend_id) < if_older_than:
            return
        try:
            columns = load(backend)
        except Exception:  # reading the JSON is always right; a column is only faster
            log.warning("could not read the property column catalog", exc_info=True)
            columns = ()
        _cache.columns = columns
        _cache.active = {c.key: c.column for c in columns if c.active}
        _cache.backend_id = backend_id
        _cache.loaded_at = time.monotonic()


def refresh_before_read(backend: object) -> None:
    """A read hook (``backends.read_hooks``): the store is about to be read anyway, so the
    catalog is re-read once half its TTL has passed, and a steady stream of queries always
    builds from a fresh one. Builders themselves never read the store."""
    refresh(backend, if_older_than=ttl() / 2)


def _age(backend_id: int | None) -> float:
    return time.monotonic() - _cache.loaded_at if _cache.backend_id == backend_id else float("inf")


def all_columns() -> tuple[PropertyColumn, ...]:
    refresh(if_older_than=ttl())
    return _cache.columns


def active() -> Mapping[str, str]:
    """Property key → column, for the columns readers may use: none unless the catalog was
    read within the TTL from the open backend (no I/O here: builders stay pure)."""
    if _cache.pinned is not None:
        return _cache.pinned
    from query_engine.backends import open_backend

    backend = open_backend()
    return _cache.active if backend is not None and _age(id(backend)) < ttl() else {}


@contextmanager
def pinned(columns: Mapping[str, str]) -> Iterator[None]:
    """Readers use exactly ``columns`` (no catalog reads) in this block: SQL snapshots, and
    benchmarks comparing the JSON path with the columns on one table."""
    previous = _cache.pinned
    _cache.pinned = dict(columns)
    try:
        yield
    finally:
        _cache.pinned = previous
