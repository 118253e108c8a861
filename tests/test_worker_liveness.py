"""The worker liveness file docker-compose's healthcheck reads (insights_api/worker_liveness.py)."""

from __future__ import annotations

import os

from insights_api.celery import app
from insights_api.worker_liveness import INTERVAL_SECONDS, LivenessFile


class FakeTimer:
    def __init__(self):
        self.calls = []
        self.cancelled = False

    def call_repeatedly(self, seconds, fun, args, priority=0):
        self.calls.append((seconds, fun, args))
        return self

    def cancel(self):
        self.cancelled = True


class FakeWorker:
    def __init__(self):
        self.timer = FakeTimer()


def test_the_step_is_registered_on_the_worker():
    assert LivenessFile in app.steps["worker"]


def test_touched_on_start_and_by_the_timer_removed_on_stop(tmp_path, monkeypatch):
    alive = tmp_path / "worker-alive"
    monkeypatch.setenv("CELERY_LIVENESS_FILE", str(alive))
    worker = FakeWorker()
    step = LivenessFile(worker)
    step.start(worker)
    assert alive.exists()
    [(seconds, fun, args)] = worker.timer.calls
    assert seconds == INTERVAL_SECONDS
    os.utime(alive, (0, 0))  # long ago: the next tick makes it fresh again
    fun(*args)
    assert alive.stat().st_mtime > 0
    step.stop(worker)
    assert worker.timer.cancelled and not alive.exists()


def test_off_without_the_variable(monkeypatch):
    monkeypatch.delenv("CELERY_LIVENESS_FILE", raising=False)
    worker = FakeWorker()
    step = LivenessFile(worker)
    step.start(worker)
    step.stop(worker)
    assert worker.timer.calls == []
