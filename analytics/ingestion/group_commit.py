"""Group commit: write jobs, and staged groups handed from the staging to the insert thread.

A request's batch becomes a ``Job``; the writer's staging thread turns every pending job
into one ``StagedGroup`` (rows per table, ready to insert) and, with a ClickHouse server,
hands it to the insert thread through ``StagedGroups``.
"""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics.ingestion.event_rows import event_row
from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.timestamps import datetime64_text

# Group commit: the insert thread takes every staged group; while they hold fewer than
# GROUP_TARGET_EVENTS and another group is being staged, it waits up to GROUP_WAIT_SECONDS
# for that one too (every statement has a fixed cost of a few ms, so bigger inserts cost
# less per event).
GROUP_WAIT_SECONDS = 0.003
GROUP_TARGET_EVENTS = 1000
# Staged events waiting for the insert thread, at most (the staging thread waits beyond).
MAX_STAGED_EVENTS = 50_000


@dataclass
class Job:
    team_id: int
    events: list[CapturedEvent]
    # The events' rows, built by the request's thread before it queues the job: only the
    # person columns are left to fill by the staging thread, which every request waits on.
    rows: list[dict[str, Any]]
    stored: int = 0
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)


@dataclass
class WriteStats:
    stored: int = 0
    duplicates: int = 0
    persons_written: int = 0
    merges: int = 0


@dataclass(eq=False)
class StagedGroup:
    """Staged jobs: their rows per table, ready to insert."""

    jobs: list[Job]
    teams: list[int]
    rows: dict[str, list[dict[str, Any]]]
    stats: WriteStats
    # The writer's epoch when staged: a failure since then means this group's person rows
    # assumed writes that never happened.
    epoch: int
    # Locks held from staging until the insert ends (other processes' turns per team).
    locks: ExitStack


class StagedGroups:
    """Groups handed from the staging thread to the insert thread, in staging order."""

    def __init__(self) -> None:
        self._groups: list[StagedGroup] = []
        self._staging = False
        self._inserting = False
        self._changed = threading.Condition()

    def staging(self) -> None:
        """The staging thread took jobs: a group is on its way."""
        with self._changed:
            self._staging = True

    def put(self, group: StagedGroup | None) -> None:
        """Hand a staged group over (None: staging it failed, nothing is on its way)."""
        with self._changed:
            self._staging = False
            if group is not None:
                while self._groups and self._staged_events() > MAX_STAGED_EVENTS:
                    self._changed.wait()
                self._groups.append(group)
            self._changed.notify_all()

    def take_all(self, timeout: float) -> list[StagedGroup]:
        """Every staged group (none after ``timeout`` s without any); waits briefly for one
        being staged while there is little."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._groups, timeout):
                return []
            deadline = time.monotonic() + GROUP_WAIT_SECONDS
            while self._staging and self._staged_events() < GROUP_TARGET_EVENTS:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            groups, self._groups = self._groups, []
            self._inserting = True
            self._changed.notify_all()
            return groups

    def inserted(self) -> None:
        with self._changed:
            self._inserting = False
            self._changed.notify_all()

    def join(self) -> None:
        """Wait until every group handed over so far is inserted (or failed)."""
        with self._changed:
            while self._groups or self._inserting:
                self._changed.wait()

    def _staged_events(self) -> int:
        return sum(group.stats.stored for group in self._groups)


def prepared_job(team_id: int, events: list[CapturedEvent]) -> Job:
    created_at = datetime64_text(datetime.now(UTC))
    return Job(team_id=team_id, events=events, rows=[event_row(team_id, e, created_at) for e in events])
