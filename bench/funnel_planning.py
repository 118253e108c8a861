"""Funnel planning cost: an ordered funnel of 2–10 steps over a date range with no events.

    python bench/funnel_planning.py [--old REV] [--runs 7] [--steps 2,5,8,10]

With no rows to read, the time is ClickHouse parsing, analysing and planning
the statement. The SQL of each step count is built by the runner (a recording
backend catches it, nothing runs); with ``--old REV`` it is also built by the
code at git revision ``REV`` (exported to a temporary directory and run in a
subprocess), and both are executed alternately on the same embedded chDB in
this process. Prints one row per step count: SQL size and best/median time.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EMPTY_RANGE = {"date_from": "2001-01-01", "date_to": "2001-01-31"}
EVENTS = [f"step {i}" for i in range(30)]


def funnel_node(steps: int, viz: str) -> dict[str, Any]:
    return {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": name} for name in EVENTS[:steps]],
        "dateRange": EMPTY_RANGE,
        "funnelsFilter": {"funnelVizType": viz},
    }


def emit(steps: list[int], viz: str) -> dict[int, tuple[str, dict[str, Any]]]:
    """The statement the funnel runner sends for each step count (captured, not run)."""
    from query_engine import backends
    from query_engine.backends.base import QueryResult
    from query_engine.runners.funnels.runner import FunnelsRunner
    from query_engine.team import TeamContext

    captured: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        name = "recording"
        single_writer = False

        def execute(self, sql: str, params: Any = None, **_: Any) -> QueryResult:
            captured.append((sql, dict(params or {})))
            return QueryResult([], [], [])

    backends._backend = Recorder()
    out = {}
    for n in steps:
        captured.clear()
        FunnelsRunner(team=TeamContext(id=1), query=funnel_node(n, viz)).calculate()
        out[n] = captured[-1]
    return out


def old_statements(rev: str, steps: list[int], viz: str) -> dict[int, tuple[str, dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        # This script, importing the old revision's code.
        command = [sys.executable, __file__, "--src", tmp, "--emit", ",".join(map(str, steps)), "--viz", viz]
        result = subprocess.run(command, check=True, capture_output=True, cwd=tmp)
    return pickle.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="git revision to compare against (e.g. main)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--steps", default="2,5,8,10")
    parser.add_argument("--viz", default="steps", choices=("steps", "trends", "time_to_convert"))
    parser.add_argument("--emit", help=argparse.SUPPRESS)
    parser.add_argument("--src", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    from bench.queries import configure

    if args.emit:
        configure()
        sys.stdout.buffer.write(pickle.dumps(emit([int(s) for s in args.emit.split(",")], args.viz)))
        return
    steps = [int(s) for s in args.steps.split(",")]
    old = old_statements(args.old, steps, args.viz) if args.old else None
    configure()
    new = emit(steps, args.viz)
    from query_engine import backends
    from query_engine.schema.apply import apply_migrations

    backends._backend = None
    backend = backends.get_backend()
    apply_migrations(backend)
    sides = {"new": new} if old is None else {"old": old, "new": new}
    # Wall time, and this process's CPU time (chDB runs in it), which a busy machine disturbs less.
    heads = [f"{s} SQL chars | {s} wall ms best / median | {s} CPU ms best" for s in sides]
    print("| steps | " + " | ".join(heads) + " |")
    for n in steps:
        wall: dict[str, list[float]] = {side: [] for side in sides}
        cpu: dict[str, list[float]] = {side: [] for side in sides}
        for run in range(args.runs + 1):  # the first round warms caches and is not counted
            for side, statements in sides.items():
                sql, params = statements[n]
                started, started_cpu = time.perf_counter(), time.process_time()
                backend.execute(sql, params)
                if run:
                    wall[side].append((time.perf_counter() - started) * 1000)
                    cpu[side].append((time.process_time() - started_cpu) * 1000)
        cells = [
            f"{len(sides[s][n][0])} | {min(wall[s]):.1f} / {statistics.median(wall[s]):.1f}"
            f" | {min(cpu[s]):.1f}"
            for s in sides
        ]
        print(f"| {n} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
