"""The Celery worker embedded in the web process.

chDB allows one process per data directory, so without a ClickHouse server the
web process itself consumes the task queue (from Redis when REDIS_URL is set,
else from an in-process memory broker). It is a real Celery worker with a
thread pool, started on the first enqueue in each process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from celery import current_app
from celery.worker import WorkController
from django.conf import settings

from query_engine.refresh import tasks  # noqa: F401 (registers the task with the worker's app)

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_started: dict[int, WorkController] = {}  # pid → worker, so a forked child starts its own
READY_TIMEOUT_SECONDS = 15


class EmbeddedWorkController(WorkController):
    """Signals readiness once its consumer listens."""

    def __init__(self, *args, **kwargs) -> None:
        self.ready = threading.Event()
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer) -> None:
        self.ready.set()


def ensure_embedded_worker() -> WorkController | None:
    """Start this process's worker unless it runs or a separate worker fleet is configured."""
    if not settings.CELERY_EMBEDDED_WORKER:
        return None
    pid = os.getpid()
    with _lock:
        if pid not in _started:
            _started[pid] = _start()
        return _started[pid]


def _start() -> WorkController:
    app = current_app._get_current_object()  # the project's app (insights_api.celery)
    if app.conf.broker_url.startswith("memory"):
        app.conf.broker_transport_options = {"polling_interval": 0.02}
    holder: dict[str, WorkController] = {}
    built = threading.Event()

    def serve() -> None:
        # Built in its own thread: Celery's Django fixup closes the building thread's
        # database connections, which must not be a request's.
        try:
            worker = build()
        except Exception:
            logger.exception("the embedded Celery worker could not be built")
            built.set()
            return
        holder["worker"] = worker
        built.set()
        worker.start()

    def build() -> EmbeddedWorkController:
        return EmbeddedWorkController(
            app=app,
            hostname=f"embedded-{os.getpid()}@{socket.gethostname()}",
            pool="threads",
            concurrency=settings.EMBEDDED_WORKER_THREADS,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel=logging.WARNING,
        )

    threading.Thread(target=serve, name="celery-embedded", daemon=True).start()
    built.wait(READY_TIMEOUT_SECONDS)
    worker = holder.get("worker")
    if worker is None:
        raise RuntimeError("the embedded Celery worker did not start")
    if not worker.ready.wait(READY_TIMEOUT_SECONDS):
        logger.warning("embedded Celery worker did not report ready in %ss", READY_TIMEOUT_SECONDS)
    return worker


def stop_embedded_worker() -> None:
    """Stop this process's worker (tests; a web process just exits)."""
    with _lock:
        worker = _started.pop(os.getpid(), None)
    if worker is not None:
        worker.stop(in_sighandler=False, exitcode=0)
