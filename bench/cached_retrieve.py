"""Benchmark: cached insight retrieves against gunicorn (one process, threads).

Starts the server the way ``bin/serve`` does (gunicorn, 1 worker, N threads) on
a fresh data directory, stores events through the capture endpoint, creates a
trends insight, computes it once (``refresh=blocking``), then has C concurrent
keep-alive clients ``GET /api/projects/:id/insights/:id/`` (the default
``refresh``, i.e. served from the cache) for a fixed time. Prints latency
percentiles and requests/s as JSON. With ``--rate R`` the clients send R requests/s
in all on a fixed schedule (open loop) and latency counts from when each request
was due: the latency at a given throughput, which a closed loop cannot show (with
C clients always waiting, p50 is about C / throughput, whatever the server does).

Rate limiting is switched off for the run (240/min per key would otherwise be
what is measured). DATABASE_URL / REDIS_URL pass through, so the same script
measures embedded mode (SQLite, in-process cache) or PostgreSQL + Redis.

    .venv/bin/python bench/cached_retrieve.py --clients 8 --seconds 10
    .venv/bin/python bench/cached_retrieve.py --clients 8 --seconds 10 --rate 500
    .venv/bin/python bench/cached_retrieve.py --clients 8 --seconds 10 --wrk   # apt install wrk

Server mode (clickhouse-connect, several gunicorn workers sharing PostgreSQL and Redis):
``--double`` starts the ClickHouse HTTP test double (tests/clickhouse_double) and points
CLICKHOUSE_URL at it; ``--workers 3`` needs DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402  (needs ROOT on the path)
    ClickHouseDouble,
    cpu_seconds,
    free_port,
    server_mode_env,
)

PYTHON = sys.executable


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def call(base: str, method: str, path: str, key: str | None, body: dict | None = None) -> dict:
    request = urllib.request.Request(base + path, method=method)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, data, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def prepare(base: str, project: dict) -> str:
    """Events, an insight, one blocking computation; returns the insight's path."""
    now = datetime.now(UTC)
    events = [
        {
            "event": "$pageview",
            "distinct_id": f"user-{i % 50}",
            "timestamp": (now - timedelta(hours=i % 150)).isoformat(),
            "properties": {"$browser": ["Chrome", "Firefox", "Safari"][i % 3]},
        }
        for i in range(2000)
    ]
    call(base, "POST", "/batch/", None, {"api_key": project["api_token"], "batch": events})
    team = project["project_id"]
    insight = call(
        base,
        "POST",
        f"/api/projects/{team}/insights/",
        project["personal_api_key"],
        {
            "name": "Pageviews by browser",
            "query": {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [{"kind": "EventsNode", "event": "$pageview"}],
                    "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
                    "dateRange": {"date_from": "-7d"},
                },
            },
        },
    )
    path = f"/api/projects/{team}/insights/{insight['id']}/"
    warm = call(base, "GET", path + "?refresh=blocking", project["personal_api_key"])
    assert warm["result"], "the insight computed no result"
    cached = call(base, "GET", path, project["personal_api_key"])
    assert cached["is_cached"] is True, "the retrieve is not served from the cache"
    return path


def finished_job(base: str, project: dict) -> str:
    """A finished async job's poll path: a request that reads only the key, the team and the cache."""
    team, key = project["project_id"], project["personal_api_key"]
    body = {"query": {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}}
    job = call(base, "POST", f"/api/projects/{team}/query/", key, {**body, "refresh": "force_async"})
    path = f"/api/projects/{team}/query/{job['query_status']['id']}/"
    for _ in range(300):
        if call(base, "GET", path, key)["query_status"]["complete"]:
            return path
        time.sleep(0.1)
    raise RuntimeError("the async job did not finish")


async def client(
    port: int,
    request: bytes,
    stop_at: float,
    latencies: list[float],
    errors: list[int],
    interval: float | None = None,
    offset: float = 0.0,
) -> None:
    """One keep-alive connection: back to back, or one request every ``interval`` seconds.

    With an interval (open loop) a request's latency counts from when it was due, not
    from when it was sent, so a slow response also counts against the requests it
    delayed (no coordinated omission).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    due = time.perf_counter() + offset
    while True:
        if interval is not None:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        started = due if interval is not None else time.perf_counter()
        if started >= stop_at:
            break
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        code = int(status_line.split()[1])
        if code != 200:
            errors.append(code)
        if interval is not None:
            due += interval
    writer.close()


async def load(
    port: int, path: str, key: str, clients: int, seconds: float, rate: float | None = None
) -> tuple[list[float], list[int]]:
    """``clients`` connections for ``seconds``; with ``rate``, that many requests/s in all (open loop)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors: list[int] = []
    stop_at = time.perf_counter() + seconds
    interval = clients / rate if rate else None
    await asyncio.gather(
        *(
            client(port, request, stop_at, latencies, errors, interval, (interval or 0) * index / clients)
            for index in range(clients)
        )
    )
    return latencies, errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_ms(text: str) -> float:
    number = re.match(r"[0-9.]+", text)
    assert number is not None, text
    return float(number.group()) * WRK_UNITS[text[number.end() :]]


def wrk_load(base: str, path: str, key: str, clients: int, seconds: float) -> dict[str, float]:
    """The same closed loop with wrk (a C client): the Python client's own CPU is out of the picture."""
    header = f"Authorization: Bearer {key}"
    command = ["wrk", "-t1", f"-c{clients}", f"-d{round(seconds)}s", "--latency", "-H", header]
    output = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_200": int(non_2xx.group(1)) if non_2xx else 0,
        "p50_ms": wrk_ms(percentiles["50"]),
        "p90_ms": wrk_ms(percentiles["90"]),
        "p99_ms": wrk_ms(percentiles["99"]),
    }


def python_load(port: int, path: str, key: str, args: argparse.Namespace) -> dict[str, float]:
    latencies, errors = asyncio.run(load(port, path, key, args.clients, args.seconds, args.rate))
    return {
        "requests": len(latencies),
        "non_200": len(errors),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p90_ms": round(percentile(latencies, 0.9) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    parser.add_argument("--double", action="store_true", help="server mode against the ClickHouse double")
    parser.add_argument(
        "--rate", type=float, help="open loop: this many requests/s in all, latency counted from when due"
    )
    parser.add_argument("--wrk", action="store_true", help="load with wrk (closed loop) instead of Python")
    parser.add_argument(
        "--floor", action="store_true", help="load GET /query/:id/ of a finished job (auth + cache only)"
    )
    args = parser.parse_args()
    if args.wrk and args.rate:
        parser.error("--rate needs the Python client (wrk runs a closed loop)")

    var = tempfile.mkdtemp(prefix="bench-cached-")
    env = {**os.environ, "INSIGHTS_VAR_DIR": var, "THROTTLE_ENABLED": "false", "SECRET_KEY": "bench"}
    server_mode_env(env, args.workers)
    with contextlib.ExitStack() as stack:
        if args.double:
            env["CLICKHOUSE_URL"] = stack.enter_context(ClickHouseDouble(var + "/double")).url
        stats = measure(env, args)
    print(json.dumps(stats, indent=2))


def measure(env: dict[str, str], args: argparse.Namespace) -> dict:
    manage(env, "migrate", "--noinput")
    manage(env, "migrate_clickhouse")
    # A fresh owner per run: a reused PostgreSQL database keeps earlier runs' keys (10 at most per user).
    owner = f"bench-{os.getpid()}-{int(time.time())}@example.com"
    project = json.loads(manage(env, "create_project", "--name", "Bench", "--email", owner, "--json"))
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "insights_api.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/_health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        path = prepare(base, project)
        key = project["personal_api_key"]
        if args.floor:
            path = finished_job(base, project)
        asyncio.run(load(port, path, key, args.clients, 2.0))  # warm-up
        cpu_before = cpu_seconds(server.pid)
        if args.wrk:
            stats = wrk_load(base, path, key, args.clients, args.seconds)
        else:
            stats = python_load(port, path, key, args)
        cpu_used = cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(30)
    return {
        "path": "poll a finished job" if args.floor else "cached insight retrieve",
        "client": "wrk" if args.wrk else "python",
        "clients": args.clients,
        "offered_rate": args.rate,
        "threads": args.threads,
        "seconds": args.seconds,
        **stats,
        "requests_per_second": round(stats["requests"] / args.seconds, 1),
        # CPU the server spent per request: with one process (GIL) the ceiling
        # on an idle machine is about 1000 / this many requests per second.
        "server_cpu_ms_per_request": round(cpu_used * 1000 / max(stats["requests"], 1), 2),
        "load_average_1m": os.getloadavg()[0],
        "database": "postgresql" if env.get("DATABASE_URL") else "sqlite",
        "cache": "redis" if env.get("REDIS_URL") else "in-process",
        "event_store": "clickhouse-connect + double" if env.get("CLICKHOUSE_URL") else "chdb",
        "workers": args.workers,
    }


if __name__ == "__main__":
    main()
