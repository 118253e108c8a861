"""Callbacks run before a backend reads, so writes it has acknowledged are visible.

With chDB, ingestion acknowledges events once they are in its local journal and writes
them to ClickHouse in bulk (``analytics.ingestion.journal``); it registers a hook
here that writes the journal out before any query reads the tables (with a ClickHouse
server it does nothing). Both engines run the hooks before every read; the hooks of one
read do not run again for the reads they make themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_hooks: list[Callable[[Any], None]] = []
_running = threading.local()


def register_before_read(hook: Callable[[Any], None]) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def before_read(backend: Any) -> None:
    if getattr(_running, "active", False):
        return
    with reads_without_hooks():
        for hook in _hooks:
            hook(backend)


@contextmanager
def reads_without_hooks() -> Iterator[None]:
    """Reads in this block (in this thread) run no hooks: e.g. the hooks' own reads."""
    outer = getattr(_running, "active", False)
    _running.active = True
    try:
        yield
    finally:
        _running.active = outer
