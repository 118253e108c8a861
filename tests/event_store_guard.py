"""Tests reach the event store only when they ask (the ``clickhouse`` fixture or
``@pytest.mark.clickhouse``), as pytest-django does for the metadata database.

For any other test the process-wide backend is replaced by ``BlockedBackend``:
every use raises ``EventStoreNotRequested`` and is recorded, and the test fails
at teardown even if the code under test swallowed the error.
"""

from __future__ import annotations

from typing import Any

from query_engine import backends


class EventStoreNotRequested(AssertionError):
    """A test reached the event store without asking for it."""


MESSAGE = (
    "This test reached the event store (ClickHouse/chDB) without asking: "
    "use the `clickhouse` fixture or mark it `@pytest.mark.clickhouse`."
)


class BlockedBackend:
    name = "blocked"
    single_writer = False

    def __init__(self) -> None:
        self.reached: list[str] = []

    def __getattr__(self, attribute: str) -> Any:
        self.reached.append(attribute)
        raise EventStoreNotRequested(MESSAGE)

    def close(self) -> None:
        """Closing (``reset_backend``) is not a use."""


class Guard:
    """Swaps the blocked backend in for one test and puts the previous one back."""

    def __init__(self) -> None:
        self.blocked = BlockedBackend()
        self.previous: Any = None

    @property
    def reached(self) -> list[str]:
        return self.blocked.reached

    def __enter__(self) -> Guard:
        with backends._lock:
            self.previous, backends._backend = backends._backend, self.blocked
        return self

    def __exit__(self, *exc: object) -> None:
        with backends._lock:
            if backends._backend is self.blocked:
                backends._backend = self.previous
