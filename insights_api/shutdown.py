"""A clean stop of a web process, in order, ending in a plain exit 0.

chDB's own teardown at interpreter exit can crash (SIGSEGV in its global context
shutdown), and a crash there loses nothing only because we made sure of it first. So a
stopping worker, after gunicorn has finished its requests: stops the embedded Celery
worker, writes the ingestion journal to the store, closes the store, flushes its logs
and output, then leaves with ``os._exit(0)`` without running that teardown.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

logger = logging.getLogger(__name__)

_stopping = threading.Lock()


def _step(name: str, action) -> bool:
    try:
        action()
        return True
    except Exception:  # one failed step must not stop the others from running
        logger.exception("clean stop: %s failed", name)
        return False


def _stop_worker() -> None:
    from query_engine.refresh.worker import stop_embedded_worker

    stop_embedded_worker()


def _flush_journal() -> None:
    from analytics.ingestion.writer import get_writer

    get_writer().flush()


def _close_store() -> None:
    from query_engine import backends

    backends.reset_backend()


def _close_databases() -> None:
    from django.db import connections

    connections.close_all()


def clean_stop(*, exit_process: bool = True) -> bool:
    """Finish this process's work and exit 0 (``exit_process=False``: return whether every step worked)."""
    if not _stopping.acquire(blocking=False):
        return True  # already stopping (a second signal)
    ok = all(
        [
            _step("stopping the embedded worker", _stop_worker),
            _step("writing the ingestion journal", _flush_journal),
            _step("closing the event store", _close_store),
            _step("closing database connections", _close_databases),
        ]
    )
    logger.info("clean stop %s", "done" if ok else "done with errors (see above)")
    if exit_process:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0 if ok else 1)
    return ok
