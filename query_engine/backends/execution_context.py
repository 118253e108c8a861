"""What the current calculation tells the backend: its query id and progress sink.

An async job sets this around its runner, so every statement the runner sends
is tagged with the job's query id (cancel can find it on a ClickHouse server)
and reports progress to the job's status, without runners passing either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from query_engine.backends.base import ProgressCallback


@dataclass(frozen=True)
class ExecutionContext:
    query_id: str | None = None
    on_progress: ProgressCallback | None = None


_current: ContextVar[ExecutionContext | None] = ContextVar("query_execution", default=None)


@contextmanager
def executing(*, query_id: str | None, on_progress: ProgressCallback | None) -> Iterator[None]:
    token = _current.set(ExecutionContext(query_id=query_id, on_progress=on_progress))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> ExecutionContext:
    return _current.get() or ExecutionContext()
