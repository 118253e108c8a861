"""The usage log: how often queries read each event property, kept per day in ClickHouse.

Builders count reads in memory (``record``); a process writes its counts out at most every
``PROPERTY_USAGE_FLUSH_SECONDS`` (``flush_if_due``, called after a query), so the log costs
one small insert a minute, not one per query. The automatic choice reads the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from django.conf import settings

from query_engine.materialized.columns import MAX_KEY_LENGTH

log = logging.getLogger(__name__)

TABLE = "property_usage"
_lock = threading.Lock()
_counts: Counter[str] = Counter()
_last_flush = time.monotonic()


def record(key: str) -> None:
    if key and len(key) <= MAX_KEY_LENGTH:
        with _lock:
            _counts[key] += 1


def take() -> dict[str, int]:
    """The counts since the last take, emptied."""
    with _lock:
        counts = dict(_counts)
        _counts.clear()
    return counts


def flush() -> int:
    """Write the counts out now; returns how many keys were written."""
    global _last_flush
    from query_engine.backends import get_backend

    _last_flush = time.monotonic()
    counts = take()
    if not counts:
        return 0
    day = datetime.now(UTC).date().isoformat()
    rows = [{"key": key, "day": day, "uses": uses} for key, uses in counts.items()]
    try:
        get_backend().insert_json_rows(TABLE, rows)
    except Exception:  # losing a minute of counts delays a column; it never changes an answer
        log.warning("could not write the property usage log", exc_info=True)
        return 0
    return len(rows)


def flush_if_due() -> bool:
    """Flush when the interval has passed, then let the automatic choice look at the log."""
    if time.monotonic() - _last_flush < settings.PROPERTY_USAGE_FLUSH_SECONDS:
        return False
    flush()
    if settings.PROPERTY_COLUMNS_AUTO:
        from query_engine.materialized import auto

        try:
            auto.run()
        except Exception:
            log.warning("the automatic property column choice failed", exc_info=True)
    return True
