"""A cheap liveness signal for a Celery worker container: a file touched from the worker's own
timer (so it stops being touched when the worker's event loop stops), which a healthcheck
reads with ``find -mmin`` instead of starting a Celery client to ``inspect ping``.

On only where ``CELERY_LIVENESS_FILE`` names the file (docker-compose's worker service).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import bootsteps

INTERVAL_SECONDS = 10.0


def touch(path: Path) -> None:
    path.touch()


class LivenessFile(bootsteps.StartStopStep):
    """Touches the file every ``INTERVAL_SECONDS`` from the worker's timer; removes it on stop."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        name = os.environ.get("CELERY_LIVENESS_FILE", "")
        self.path = Path(name) if name else None
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        if self.path is None:
            return
        touch(self.path)
        self.tref = worker.timer.call_repeatedly(INTERVAL_SECONDS, touch, (self.path,), priority=10)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
