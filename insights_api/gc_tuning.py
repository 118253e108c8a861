"""Garbage-collector thresholds for the server process.

CPython's defaults (700, 10, 10) collect the youngest generation every 700 allocations,
and a full collection walks every live object. Ingestion allocates tens of objects per
event that refcounting frees at once, while the writer keeps long-lived state (persons,
uuid fingerprints) that each full collection walks again: measured at batch 1000, 10
full collections cost 88 ms each, 13 µs of GIL time per event. Cycles are rare here, so
collecting less often costs little memory.
"""

from __future__ import annotations

import gc
import os

DEFAULT_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> tuple[int, ...]:
    """Apply ``PYTHON_GC_THRESHOLDS`` ("gen0,gen1,gen2"), else the defaults; freeze start-up objects.

    Objects alive after start-up (modules, settings, URL resolvers) live as long as the
    process: ``gc.freeze`` moves them out of every later collection's walk.
    """
    text = os.environ.get("PYTHON_GC_THRESHOLDS", "")
    thresholds = tuple(int(part) for part in text.split(",")) if text.strip() else DEFAULT_THRESHOLDS
    gc.set_threshold(*thresholds)
    gc.freeze()
    return thresholds
