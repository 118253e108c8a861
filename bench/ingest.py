"""Ingestion throughput through ``/batch/`` into chDB, from one gunicorn process.

    .venv/bin/python bench/ingest.py [--events 200000] [--clients 4] [--threads 8]

Starts ``gunicorn`` (1 worker, ``--threads``) on a fresh embedded installation in a
temporary directory, then for batch sizes 100 and 1000 sends ``--events`` realistic
events (the demo generator's traffic: pageviews, identifies that merge persons,
``$set``, purchases) from ``--clients`` concurrent keep-alive connections. Request
bodies are encoded before the clock starts, so the numbers are the server's. After
the server stops, the stored rows are counted in chDB to check nothing was lost.

Server mode: ``--double`` stores through clickhouse-connect into the ClickHouse HTTP test
double (tests/clickhouse_double); ``--workers 3`` runs three gunicorn workers, which share
the per-project ingestion lock through Redis (needs DATABASE_URL and REDIS_URL).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402  (needs ROOT on the path)
    ClickHouseDouble,
    cpu_seconds,
    free_port,
    server_mode_env,
    thread_cpu,
)


def django_setup(var_dir: str) -> None:
    os.environ["INSIGHTS_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench")  # required with DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")
    import django

    django.setup()


def raw_events(count: int, seed: int) -> list[dict]:
    """Demo traffic as the JSON an SDK would send (ISO timestamps, uuids, $set)."""
    from analytics.ingestion.demo import DemoTraffic

    # Live traffic: SDKs send events as they happen, so the times are within the last day.
    traffic = DemoTraffic(seed=seed, days=1, end=datetime.now(UTC)).events()
    events = []
    for event in islice(traffic, count):
        raw = {
            "event": event.event,
            "distinct_id": event.distinct_id,
            "timestamp": event.timestamp.isoformat(),
            "uuid": str(event.uuid),
            "properties": {**event.properties, "$lib": "posthog-python", "$lib_version": "7.0.0"},
        }
        if event.set:
            raw["$set"] = event.set
        if event.set_once:
            raw["$set_once"] = event.set_once
        events.append(raw)
    return events


def bodies(token: str, events: list[dict], batch_size: int) -> list[bytes]:
    return [
        json.dumps({"api_key": token, "batch": events[i : i + batch_size]}).encode()
        for i in range(0, len(events), batch_size)
    ]


def send_all(port: int, chunks: list[bytes], clients: int) -> tuple[float, list[float], int]:
    """Post every body from ``clients`` threads; returns elapsed s, latencies, failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    queue = list(reversed(chunks))

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            connection.request("POST", "/batch/", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                failures[0] += response.status != 200
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures[0]


def count_through_the_api(port: int, project_id: int, key: str) -> tuple[int, float]:
    """Every event of the last week, counted by the server's query API (no cache), and ms."""
    body = json.dumps({
        "query": {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": None, "math": "total"}],
            "dateRange": {"date_from": "-7d"},
            "trendsFilter": {"display": "BoldNumber"},
        },
        "refresh": "force_blocking",
    })  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(
        "POST", f"/api/projects/{project_id}/query/", body,
        {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )  # fmt: skip
    response = connection.getresponse()
    payload = json.loads(response.read())
    elapsed_ms = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"query API answered {response.status}: {payload}")
    return int(payload["results"][0]["aggregated_value"]), elapsed_ms


def wait_ready(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/_health")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000, help="events per batch size")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads")
    parser.add_argument("--batch-sizes", default="100,1000")
    parser.add_argument("--keep", action="store_true", help="keep the installation's directory")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    parser.add_argument("--double", action="store_true", help="server mode against the ClickHouse double")
    parser.add_argument(
        "--without-sessions-view",
        action="store_true",
        help="drop the sessions materialized view first (the A side of its cost's A/B)",
    )
    parser.add_argument(
        "--property-columns",
        default="",
        help="comma-separated event properties given their own column first (their insert cost's A/B)",
    )
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="insights-bench-ingest-")
    server_mode_env(dict(os.environ), args.workers)
    with contextlib.ExitStack() as stack:
        if args.double:
            os.environ["CLICKHOUSE_URL"] = stack.enter_context(ClickHouseDouble(var_dir + "/double")).url
        run(args, var_dir)


def run(args: argparse.Namespace, var_dir: str) -> None:
    django_setup(var_dir)
    from django.core.management import call_command

    from analytics.services.tenancy import create_project_with_owner

    call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate_clickhouse", verbosity=0)
    if args.without_sessions_view:
        from query_engine.backends import get_backend

        get_backend().command("DROP VIEW IF EXISTS sessions_mv")
    if args.property_columns:
        keys = [f"--always={key}" for key in args.property_columns.split(",")]
        call_command("property_columns", *keys, stdout=sys.stderr)
    # A fresh owner per run: a reused PostgreSQL database keeps earlier runs' users.
    owner = f"bench-{os.getpid()}-{int(time.time())}@example.com"
    created = create_project_with_owner(name="Bench", email=owner)
    team = created.team
    from query_engine.backends import reset_backend

    reset_backend()  # chDB's directory must belong to the server process

    sizes = [int(size) for size in args.batch_sizes.split(",")]
    # Different seeds per run: new users, uuids and merges, not duplicates of the last run.
    payloads = {size: bodies(team.api_token, raw_events(args.events, seed=size), size) for size in sizes}
    port = free_port()
    env = {**os.environ, "INSIGHTS_VAR_DIR": var_dir, "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench"}
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "insights_api.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
        "--timeout", "300", "--keep-alive", "30",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    results = []
    try:
        wait_ready(port, server)
        for size in sizes:
            send_all(port, payloads[size][:3], 1)  # warm-up, stored too
            cpu_before, threads_before = cpu_seconds(server.pid), thread_cpu(server.pid)
            elapsed, latencies, failures = send_all(port, payloads[size][3:], args.clients)
            cpu = cpu_seconds(server.pid) - cpu_before
            threads = {
                name: round(seconds - threads_before.get(name, 0.0), 1)
                for name, seconds in thread_cpu(server.pid).items()
                if seconds - threads_before.get(name, 0.0) >= 0.1
            }
            sent = sum(len(json.loads(body)["batch"]) for body in payloads[size][3:])
            # Acknowledged means queryable: count through the API right after the last answer.
            visible, query_ms = count_through_the_api(port, team.id, created.personal_api_key)
            phases = sizes[: len(results) + 1]  # this one and the ones before, warm-ups included
            acknowledged = sum(len(json.loads(body)["batch"]) for done in phases for body in payloads[done])
            latencies.sort()
            results.append({
                "batch_size": size,
                "events": sent,
                "seconds": round(elapsed, 2),
                "events_per_second": round(sent / elapsed),
                # Stricter: the clock stops once the API has counted them, i.e. once the
                # journal's last rows are in ClickHouse and were read back.
                "events_per_second_until_counted": round(sent / (elapsed + query_ms / 1000)),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
                "server_cpu_seconds": round(cpu, 1),
                "failures": failures,
                "counted_by_the_api_at_once": f"{visible}/{acknowledged} in {query_ms:.0f} ms",
                "cpu_by_thread": dict(sorted(threads.items(), key=lambda item: -item[1])),
            })  # fmt: skip
            print(json.dumps(results[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)

    from query_engine.backends import get_backend

    backend = get_backend()
    stored = backend.execute("SELECT count() FROM events").rows[0][0]
    expected = sum(len(json.loads(body)["batch"]) for size in sizes for body in payloads[size])
    # The server's writer journals these tables and writes them at exit: they must be complete.
    recorded_uuids = backend.execute("SELECT uniqExact(uuid) FROM event_uuids").rows[0][0]
    unmapped = backend.execute(
        "SELECT uniqExact(distinct_id) FROM events "
        "WHERE distinct_id NOT IN (SELECT distinct_id FROM person_distinct_id2)"
    ).rows[0][0]
    print(json.dumps({
        "stored": stored, "sent": expected, "uuids_recorded": recorded_uuids,
        "distinct_ids_without_person": unmapped, "load_average": os.getloadavg(),
        "workers": args.workers, "sessions_view": not args.without_sessions_view,
        "session_rows": backend.execute("SELECT count() FROM sessions").rows[0][0],
        "event_store": "clickhouse-connect + double" if os.environ.get("CLICKHOUSE_URL") else "chdb",
    }), flush=True)  # fmt: skip
    if not args.keep:
        get_backend().close()
        shutil.rmtree(var_dir, ignore_errors=True)  # a run leaves up to a few hundred MB


if __name__ == "__main__":
    main()
