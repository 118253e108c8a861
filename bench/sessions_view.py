"""What the sessions materialized view adds to each bulk insert into ``events``, in chDB.

    .venv/bin/python bench/sessions_view.py [--events 200000] [--chunk 3000] [--rounds 5]

Loads ``--events`` demo events once (``generate_demo_data`` into a temporary installation),
keeps a numbered copy of them, then per round re-inserts them into an empty ``events`` in
chunks of ``--chunk`` rows (about what the journal writes at once under load) twice: once
without the ``sessions_mv`` view and once with it, alternating which goes first. Each
side's wall time and the process's CPU time (chDB runs in-process, merges included) are
printed; the difference is the view's cost per event, without HTTP, Python decoding or
the bench clients sharing the machine (``bench/ingest.py`` measures those end to end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="insights-bench-sessions-view-")
    os.environ["INSIGHTS_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from analytics.ingestion.writer import get_writer
    from analytics.services.tenancy import create_project_with_owner
    from query_engine.backends import get_backend
    from query_engine.schema.migrations import SESSIONS_MV, session_state_columns

    call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate_clickhouse", verbosity=0)
    team = create_project_with_owner(name="Bench", email="bench@example.com").team
    call_command("generate_demo_data", project=team.id, events=args.events, days=30, seed=7)
    get_writer().flush()
    backend = get_backend()
    view = SESSIONS_MV.replace("{columns}", session_state_columns())
    backend.command(
        "CREATE TABLE source ENGINE = MergeTree ORDER BY n"
        " AS SELECT *, rowNumberInAllBlocks() AS n FROM events"
    )
    rows = backend.execute("SELECT count() FROM source").rows[0][0]
    sessions = backend.execute("SELECT uniqExact(`$session_id`) FROM source").rows[0][0]

    def insert_all(with_view: bool) -> tuple[float, float]:
        backend.command("DROP VIEW IF EXISTS sessions_mv")
        backend.command("TRUNCATE TABLE events")
        backend.command("TRUNCATE TABLE sessions")
        if with_view:
            backend.command(view)
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, rows, args.chunk):
            backend.command(
                "INSERT INTO events SELECT * EXCEPT n FROM source WHERE n >= {a:UInt64} AND n < {b:UInt64}",
                {"a": start, "b": start + args.chunk},
            )
        return time.perf_counter() - wall, time.process_time() - cpu

    insert_all(True)  # warm-up
    found: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for round_ in range(args.rounds):
        order = (False, True) if round_ % 2 == 0 else (True, False)
        for with_view in order:
            wall, cpu = insert_all(with_view)
            found["with" if with_view else "without"].append((wall, cpu))
            print(json.dumps({"round": round_ + 1, "view": with_view, "wall_s": round(wall, 3),
                              "cpu_s": round(cpu, 3), "load": os.getloadavg()[0]}), flush=True)  # fmt: skip
    summary = {"events": rows, "sessions": sessions, "chunk": args.chunk}
    for side, values in found.items():
        summary[f"{side}_wall_median_s"] = round(statistics.median(v[0] for v in values), 3)
        summary[f"{side}_cpu_median_s"] = round(statistics.median(v[1] for v in values), 3)
    extra = summary["with_cpu_median_s"] - summary["without_cpu_median_s"]
    summary["view_cpu_us_per_event"] = round(extra / rows * 1e6, 2)
    print(json.dumps(summary), flush=True)
    backend.close()
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
