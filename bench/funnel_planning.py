"""Funnel planning cost: an ordered funnel of 2–10 steps over a date range with no events.

    python bench/funnel_planning.py [--old REV] [--runs 7] [--steps 2,5,8,10]
    python bench/funnel_planning.py --dataset [--old REV] [--runs 5]

With no rows to read, the time is ClickHouse parsing, analysing and planning
the statement. ``--dataset`` runs the 3- and 5-step funnels of
``bench/cases/funnels.py`` on the data ``bench/queries.py`` loaded instead,
beside the naive ``windowFunnel`` query (step counts only, no override join).

The SQL of each step count is built by the runner (a recording backend
catches it, nothing runs); with ``--old REV`` it is also built by the code at
git revision ``REV`` (exported to a temporary directory and run in a
subprocess), and all sides are executed alternately on the same embedded
chDB in this process. Prints one row per step count: SQL size and times.
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


def funnel_node(steps: int, viz: str, dataset: bool = False) -> dict[str, Any]:
    if dataset:
        from bench.cases.funnels import FIVE, THREE
        from bench.queries import DAYS, LAST_DAY

        first = type(LAST_DAY).fromordinal(LAST_DAY.toordinal() - DAYS + 1)
        names = {3: THREE, 5: FIVE}[steps]
        window = {"funnelWindowInterval": 14, "funnelWindowIntervalUnit": "day"}
        return {
            "kind": "FunnelsQuery",
            "series": [{"kind": "EventsNode", "event": name} for name in names],
            "dateRange": {"date_from": first.isoformat(), "date_to": LAST_DAY.isoformat()},
            "funnelsFilter": {"funnelVizType": viz, **window},
        }
    return {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": name} for name in EVENTS[:steps]],
        "dateRange": EMPTY_RANGE,
        "funnelsFilter": {"funnelVizType": viz},
    }


def team_id(dataset: bool) -> int:
    """The loaded data set's project (``bench/queries.py`` state), or 1 for the empty range."""
    if not dataset:
        return 1
    import json

    from bench.queries import STATE

    return int(json.loads(STATE.read_text())["team_id"])


def emit(steps: list[int], viz: str, dataset: bool, team: int) -> dict[int, tuple[str, dict[str, Any]]]:
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
        FunnelsRunner(team=TeamContext(id=team), query=funnel_node(n, viz, dataset)).calculate()
        out[n] = captured[-1]
    return out


def old_statements(
    rev: str, steps: list[int], viz: str, dataset: bool, team: int
) -> dict[int, tuple[str, dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        # This script, importing the old revision's code.
        command = [sys.executable, __file__, "--src", tmp, "--emit", ",".join(map(str, steps)), "--viz", viz]
        command += ["--team", str(team)] + (["--dataset"] if dataset else [])
        result = subprocess.run(command, check=True, capture_output=True, cwd=tmp)
    return pickle.loads(result.stdout)


def naive_window_funnel(steps: list[int], team: int) -> dict[int, tuple[str, dict[str, Any]]]:
    """``bench/cases/funnels.py``'s naive query for the same funnels (counts only)."""
    from bench.cases.funnels import FIVE, THREE, _naive_window_funnel, _params
    from bench.framework import Dataset
    from bench.queries import DAYS, LAST_DAY

    first = type(LAST_DAY).fromordinal(LAST_DAY.toordinal() - DAYS + 1)
    ds = Dataset(team_id=team, first_day=first, last_day=LAST_DAY, events=0)
    names = {3: THREE, 5: FIVE}
    return {n: (_naive_window_funnel(names[n]), _params(ds, names[n])) for n in steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", help="git revision to compare against (e.g. main)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--steps", default="2,5,8,10")
    parser.add_argument("--viz", default="steps", choices=("steps", "trends", "time_to_convert"))
    parser.add_argument("--emit", help=argparse.SUPPRESS)
    parser.add_argument("--src", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--team", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", action="store_true", help="run on bench/data (3 and 5 steps)")
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    from bench.queries import configure

    if args.emit:
        configure()
        statements = emit([int(s) for s in args.emit.split(",")], args.viz, args.dataset, args.team)
        sys.stdout.buffer.write(pickle.dumps(statements))
        return
    steps = [3, 5] if args.dataset else [int(s) for s in args.steps.split(",")]
    team = team_id(args.dataset)
    old = old_statements(args.old, steps, args.viz, args.dataset, team) if args.old else None
    configure()
    new = emit(steps, args.viz, args.dataset, team)
    from query_engine import backends
    from query_engine.schema.apply import apply_migrations

    backends._backend = None
    backend = backends.get_backend()
    apply_migrations(backend)
    sides = {"new": new} if old is None else {"old": old, "new": new}
    if args.dataset:
        sides["windowFunnel"] = naive_window_funnel(steps, team)
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
