"""Embedded queries side by side: a short trend's latency while a heavy funnel runs.

    python bench/concurrency.py [--runs 5]

On the ``bench/queries.py`` data set, through the API in process (``refresh=force_blocking``,
no cache). Old = one chDB session (every statement waits for the one before, as main did
before the session pool); new = ``CHDB_CONNECTIONS`` sessions. Both backends are open on the
same data directory in this process and swapped in turn, alternating old and new each run.
Per run: the trend alone, then the funnel in another thread and, 0.3 s later, the trend again.
Writes its own section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package
from bench import queries  # noqa: E402

SECTION = "## Embedded queries side by side (`bench/concurrency.py`)"
TREND = "trends: total pageviews per day, 30 days"
FUNNEL = "funnels: 3-step ordered funnel, 14-day window, 30 days"
HEAD_START = 0.3


def timed_request(key: str, team_id: int, request: tuple[str, str, dict[str, Any]]) -> float:
    from rest_framework.test import APIClient

    client = APIClient()  # one per thread: the test client keeps per-request state
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    _, path, body = request
    started = time.perf_counter()
    response = client.post(f"/api/projects/{team_id}/{path}", body, format="json")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    return elapsed


def one_run(key: str, ds: Any, trend: Any, funnel: Any) -> tuple[float, float, float]:
    """(trend alone, trend while the funnel runs, the funnel's own time) in seconds."""
    alone = timed_request(key, ds.team_id, trend)
    heavy: list[float] = []
    worker = threading.Thread(target=lambda: heavy.append(timed_request(key, ds.team_id, funnel)))
    worker.start()
    time.sleep(HEAD_START)
    during = timed_request(key, ds.team_id, trend)
    worker.join()
    return alone, during, heavy[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    queries.configure()
    from django.conf import settings

    import query_engine.backends as backends
    from bench.cases import funnels, trends
    from query_engine.backends.chdb_backend import ChdbBackend

    ds, state = queries.load_dataset(10_000_000, 10)
    by_name = {c.name: c for c in trends.CASES + funnels.CASES}
    trend, funnel = by_name[TREND].request(ds), by_name[FUNNEL].request(ds)
    shared = backends.get_backend()  # opens the directory (and runs the read hooks' setup)
    sides = {
        "old (1 session)": ChdbBackend(settings.CHDB_PATH, settings.CLICKHOUSE_DATABASE, connections=1),
        f"new ({settings.CHDB_CONNECTIONS} sessions)": shared,
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in sides}
    for backend in sides.values():  # warm-up
        backends._backend = backend
        one_run(state["key"], ds, trend, funnel)
    for _ in range(args.runs):
        for name, backend in sides.items():
            backends._backend = backend
            results[name].append(one_run(state["key"], ds, trend, funnel))
            print(name, [round(v, 3) for v in results[name][-1]], flush=True)
    backends._backend = shared
    lines = []
    for name, runs in results.items():
        alone, during, heavy = (statistics.median(column) for column in zip(*runs, strict=True))
        worst = max(run[1] for run in runs)
        lines.append(f"| {name} | {alone:.3f} | {during:.3f} | {worst:.3f} | {heavy:.3f} |")
    section = "\n".join(
        [
            SECTION,
            "",
            f"Measured {datetime.now(UTC).isoformat(timespec='minutes')}, {ds.events:,} events, "
            f"{args.runs} runs alternating old and new in one process (medians; chDB on a 2-core machine). "
            f"Trend = `{TREND}`; "
            f"funnel = `{FUNNEL}`, started {HEAD_START} s before the trend. Both through the API, no cache.",
            "",
            "| sessions | trend alone s | trend during the funnel s | worst during s | funnel s |",
            "|---|---|---|---|---|",
            *lines,
        ]
    )
    document = queries.RESULTS.read_text() if queries.RESULTS.exists() else ""
    queries.RESULTS.write_text(queries.replace_section(document, section, SECTION))
    print(section)


if __name__ == "__main__":
    main()
