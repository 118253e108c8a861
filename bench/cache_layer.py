"""Benchmark: the cache layer alone, ``query_results`` on a warm cache (no HTTP, no ORM).

Measures what a cached retrieve spends in the result cache: key, read, staleness
check, running-job lookup. Uses REDIS_URL when set, else the in-process cache.

    .venv/bin/python bench/cache_layer.py --calls 5000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("INSIGHTS_VAR_DIR", tempfile.mkdtemp(prefix="bench-cache-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")

import django  # noqa: E402

django.setup()

from query_engine.refresh.cache import query_cache_key  # noqa: E402
from query_engine.refresh.modes import ExecutionMode  # noqa: E402
from query_engine.refresh.results import query_results  # noqa: E402
from query_engine.runners.base import Staleness  # noqa: E402
from query_engine.runners.registry import RUNNERS  # noqa: E402
from query_engine.team import TeamContext  # noqa: E402


class FixedRunner:
    """A stand-in result the size of a 7-day trends series with 3 breakdown values."""

    kind = "BenchQuery"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight = None
    insight_node = False

    def __init__(self, *, team, query, user_id=None) -> None:
        self.query = query

    def calculate(self) -> dict:
        days = [f"2024-05-0{i}" for i in range(1, 9)]
        series = [{"label": name, "data": [float(i) for i in range(8)], "days": days} for name in "ABC"]
        return {"results": series}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    RUNNERS["BenchQuery"] = FixedRunner
    team = TeamContext(id=1)
    query = {"kind": "InsightVizNode", "source": {"kind": "BenchQuery", "dateRange": {"date_from": "-7d"}}}
    query_results(team=team, query=query, mode=ExecutionMode.BLOCKING)
    timings = []
    for _ in range(args.calls):
        started = time.perf_counter()
        response = query_results(team=team, query=query, mode=ExecutionMode.FORCE_CACHE)
        timings.append(time.perf_counter() - started)
    assert response["is_cached"] is True
    timings.sort()
    print(
        json.dumps(
            {
                "cache": "redis" if os.environ.get("REDIS_URL") else "in-process",
                "calls": args.calls,
                "p50_us": round(statistics.median(timings) * 1e6, 1),
                "p99_us": round(timings[int(0.99 * len(timings))] * 1e6, 1),
                "key_bytes": len(query_cache_key(team=team, query=query)),
                "load_average_1m": os.getloadavg()[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
