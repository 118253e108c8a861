"""Query benchmark: the API (blocking, no cache) against hand-written SQL.

    python bench/queries.py [--events 10000000] [--runs 5] [--only trends]

The first run loads demo events once into a persistent chDB directory and
SQLite file under ``bench/data/`` (not in git); later runs reuse them.
``generate_demo_data`` loads ``--events / --scale`` events through the
ingestion writer (persons, merges, overrides), then ClickHouse copies them
``--scale`` times over under fresh distinct ids, person ids and uuids, so
10M realistic rows take minutes instead of hours on a small machine. Each
case in ``bench/cases/*.py`` is timed both ways in the same process and run
(best of ``--runs`` after one warm-up), the answers are compared, and
``bench/RESULTS.md`` is rewritten.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
STATE = DATA / "state.json"
RESULTS = ROOT / "bench" / "RESULTS.md"
# Every case's latest measurement, so ``--only`` reruns keep the other rows.
MEASUREMENTS = ROOT / "bench" / "results.json"
DAYS = 30
LAST_DAY = date(2026, 1, 31)  # fixed, so every run loads the same data


def configure() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("CHDB_PATH", str(DATA / "chdb"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA / 'meta.sqlite3'}")
    os.environ["THROTTLE_ENABLED"] = "false"
    import django

    django.setup()


SCALE_COPIES = {
    "events": (
        "uuid, team_id, event, distinct_id, person_id, timestamp, properties, person_properties,"
        " person_created_at, elements_chain, created_at, `$session_id`",
        "generateUUIDv4(), team_id, event, {did}, {pid}, timestamp, properties, person_properties,"
        " person_created_at, elements_chain, created_at, {sid}",
    ),
    "person": (
        "id, team_id, created_at, properties, is_identified, is_deleted, version",
        "{id}, team_id, created_at, properties, is_identified, is_deleted, version",
    ),
    "person_distinct_id2": (
        "team_id, distinct_id, person_id, is_deleted, version",
        "team_id, {did}, {pid}, is_deleted, version",
    ),
    "person_distinct_id_overrides": (
        "team_id, distinct_id, person_id, is_deleted, version",
        "team_id, {did}, {pid}, is_deleted, version",
    ),
}


def scale_up(team_id: int, copies: int) -> None:
    """Add ``copies - 1`` renamed copies of the project's rows (all four tables)."""
    from query_engine.backends import get_backend

    renamed = {
        "did": "concat(distinct_id, '~', toString(k))",
        "pid": "reinterpretAsUUID(sipHash128(concat(toString(person_id), '~', toString(k))))",
        "id": "reinterpretAsUUID(sipHash128(concat(toString(id), '~', toString(k))))",
        # Each copy's sessions are its own (the sessions view then sees as many as events imply).
        "sid": "if(`$session_id` = '', '', concat(`$session_id`, '~', toString(k)))",
    }
    for table, (columns, select) in SCALE_COPIES.items():
        get_backend().command(
            f"INSERT INTO {table} ({columns}) SELECT {select.format(**renamed)} FROM {table} "
            "ARRAY JOIN range(1, {copies:UInt32}) AS k WHERE team_id = {team:Int64}",
            {"copies": copies, "team": team_id},
        )
    from analytics.ingestion.writer import get_writer

    get_writer().forget()  # its in-memory persons and uuids no longer describe the tables


def load_dataset(events: int, scale: int):
    from django.core.management import call_command

    from analytics.services.tenancy import create_project_with_owner
    from bench.framework import Dataset
    from query_engine.backends import get_backend
    from query_engine.schema.apply import apply_migrations

    call_command("migrate", verbosity=0)
    apply_migrations(get_backend())
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    if state.get("events") != events or state.get("scale") != scale:
        created = create_project_with_owner(
            name=f"bench {events}", email=f"bench-{events}-{scale}@example.com"
        )
        started = time.monotonic()
        call_command(
            "generate_demo_data",
            project=created.team.id,
            events=events // scale,
            days=DAYS,
            seed=42,
            end_date=LAST_DAY.isoformat(),
        )
        if scale > 1:
            scale_up(created.team.id, scale)
        state = {
            "events": events,
            "scale": scale,
            "team_id": created.team.id,
            "key": created.personal_api_key,
            "load_seconds": round(time.monotonic() - started, 1),
        }
        STATE.write_text(json.dumps(state))
    first = LAST_DAY - timedelta(days=DAYS - 1)
    return Dataset(team_id=state["team_id"], first_day=first, last_day=LAST_DAY, events=events), state


def discover(only: str | None) -> list[tuple[str, object]]:
    import bench.cases

    found = []
    for module in pkgutil.iter_modules(bench.cases.__path__):
        if only and module.name != only:
            continue
        for case in importlib.import_module(f"bench.cases.{module.name}").CASES:
            found.append((module.name, case))
    return found


def interleaved(runs: int, *sides) -> list[tuple[float, object]]:
    """Best time and last answer of each side; they alternate so machine load hits all alike."""
    for side in sides:  # warm-up: OS page cache, ClickHouse caches, Python imports
        side()
    times: list[list[float]] = [[] for _ in sides]
    answers: list[object] = [None for _ in sides]
    for _ in range(runs):
        for i, side in enumerate(sides):
            started = time.perf_counter()
            answers[i] = side()
            times[i].append(time.perf_counter() - started)
    return [(min(t), a) for t, a in zip(times, answers, strict=True)]


def run_case(case, ds, key: str, runs: int) -> dict:
    from rest_framework.test import APIClient

    from bench.framework import naive_sql
    from query_engine.backends import get_backend

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def caller(request):
        method, path, body = request(ds)
        url = f"/api/projects/{ds.team_id}/{path}"

        def call():
            response = client.post(url, body, format="json") if method == "POST" else client.get(url, body)
            if response.status_code != 200:
                raise RuntimeError(f"{case.name}: HTTP {response.status_code} {response.content[:300]!r}")
            return response.json()

        return call

    def sql_runner(sql: str, params: dict):
        return lambda: get_backend().execute(sql, params).rows

    naive = naive_sql(case, ds)
    sides = [caller(case.request)]
    if case.baseline is not None:
        # Two API calls: the case's request against the insight runner asking the same question.
        sides.append(caller(case.baseline))
    else:
        sides.append(sql_runner(*case.sql(ds)))
    if naive is not None:
        sides.append(sql_runner(*naive))
    measured = interleaved(runs, *sides)
    (api_seconds, api_body), (base_seconds, base_answer) = measured[0], measured[1]
    if case.baseline is not None:
        same = case.api_answer(api_body) == case.baseline_answer(base_answer)
    else:
        same = case.api_answer(api_body) == case.sql_answer(base_answer)
    result = {
        "name": case.name,
        "api": api_seconds,
        "sql": base_seconds,
        "ratio": api_seconds / base_seconds if base_seconds else float("inf"),
        "same": same,
        "runs": runs,
        "goal": case.goal_ratio,
    }
    if naive is not None:
        naive_seconds, naive_rows = measured[2]
        read_rows = case.naive_answer or case.sql_answer
        read_api = case.naive_api_answer or case.api_answer
        result["naive"] = naive_seconds
        result["naive_ratio"] = api_seconds / naive_seconds if naive_seconds else float("inf")
        result["naive_same"] = read_rows is not None and read_api(api_body) == read_rows(naive_rows)
    return result


def merged(results: list[dict]) -> list[dict]:
    previous = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else []
    names = {r["name"] for r in results}
    combined = [r for r in previous if r["name"] not in names] + results
    MEASUREMENTS.write_text(json.dumps(combined, indent=1) + "\n")
    return combined


SECTION = "## Queries: API vs hand-written SQL (`bench/queries.py`)"


def write_results(results: list[dict], ds, state: dict, runs: int) -> None:
    """Rewrite this script's section of ``bench/RESULTS.md``; other sections stay."""
    lines = [
        SECTION,
        "",
        f"Written by `python bench/queries.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        "(each row's measurement time is in `bench/results.json`; `--only` reruns keep the other rows).",
        f"Data: {ds.events:,} events: `generate_demo_data --events {ds.events // state.get('scale', 1)} "
        f"--days {DAYS} --seed 42 --end-date {LAST_DAY}` copied {state.get('scale', 1)}× under new "
        f"distinct ids, person ids, session ids and uuids; loaded in {state.get('load_seconds', '?')} s; "
        f"engine: embedded chDB; {platform.machine()}, {os.cpu_count()} CPUs (shared machine).",
        "Timing: best of `runs` after one warm-up, API and SQL runs alternating. "
        "API = full HTTP stack in process (auth, "
        "`refresh=force_blocking`, so no cache), hand SQL = the same answer written directly against "
        "ClickHouse, same run. `same answer` compares both results value by value. In `hogql vs runner` "
        "rows the API column is a `HogQLQuery` and the second column the insight runner (also through "
        "the API) asking the same question. `naive SQL` = the simplest correct SQL a ClickHouse user "
        "would write on a plain events table (JSONExtract properties, `events.person_id` without the "
        "person-override join, `windowFunnel` for ordered funnels; counts only), timed in the same "
        "alternation; `naive same` says whether its answer equals the API's (it may not: without the "
        "join a merged person counts once per pre-merge person id). Rows without naive numbers predate "
        "the column.",
        "",
        "| case | API (s) | hand SQL (s) | ratio | goal | same answer | naive SQL (s) | API / naive "
        "| naive same | runs |",
        "|---|---:|---:|---:|---:|:---:|---:|---:|:---:|---:|",
    ]
    for r in merged(results):
        goal = f"≤ {r['goal']}×" if r["goal"] else ""
        met = "" if not r["goal"] else (" ✅" if r["ratio"] <= r["goal"] else " ❌")
        naive = (
            f"{r['naive']:.3f} | {r['naive_ratio']:.2f}× | {'yes' if r['naive_same'] else 'no'}"
            if "naive" in r
            else " |  | "
        )
        lines.append(
            f"| {r['name']} | {r['api']:.3f} | {r['sql']:.3f} | {r['ratio']:.2f}×{met} | {goal} | "
            f"{'yes' if r['same'] else 'NO'} | {naive} | {r.get('runs', '')} |"
        )
    RESULTS.write_text(replace_section(RESULTS.read_text() if RESULTS.exists() else "", "\n".join(lines)))


COMPILE_SECTION = "## HogQL parse + compile time (`bench/queries.py --compile-only`)"


def compile_times(runs: int) -> None:
    """Median time to parse and compile each query of ``bench/cases/hogql.py``'s list."""
    import statistics

    from bench.cases.hogql import COMPILE_QUERIES
    from query_engine.hogql.compile import compile_select
    from query_engine.team import TeamContext

    team = TeamContext(id=1, now=datetime(2026, 1, 31, tzinfo=UTC))
    lines = [
        COMPILE_SECTION,
        "",
        f"Written by `python bench/queries.py --compile-only` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"median of {runs} runs of `compile_select` (parse with hogql-parser-rs, resolve, print) per query, "
        f"{platform.machine()}, shared machine. Goal: < 1 ms for typical queries.",
        "",
        "| query | parse + compile (ms) |",
        "|---|---:|",
    ]
    for text in COMPILE_QUERIES:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            compile_select(
                text, team, filters={"dateRange": {"date_from": "-7d"}} if "{filters}" in text else None
            )
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples) * 1000
        print(f"{median:.3f} ms  {text}", flush=True)
        lines.append(f"| `{text.replace('|', '\\|')}` | {median:.3f} |")
    document = RESULTS.read_text() if RESULTS.exists() else ""
    RESULTS.write_text(replace_section(document, "\n".join(lines), COMPILE_SECTION))


def replace_section(document: str, section: str, title: str = SECTION) -> str:
    """Swap this script's ``## …`` section (up to the next ``## ``) or append it."""
    head, found, rest = document.partition(title)
    if not found:
        base = document.rstrip() or "# Benchmark results"
        return f"{base}\n\n{section}\n"
    following = rest.find("\n## ")
    tail = rest[following:] if following >= 0 else ""
    return f"{head}{section}\n{tail}" if tail else f"{head}{section}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10, help="copies of the generated events (1 = none)")
    parser.add_argument("--only", help="case module name, e.g. trends")
    parser.add_argument("--load-only", action="store_true", help="load the data set, run no case")
    parser.add_argument(
        "--no-write", action="store_true", help="print the timings only (e.g. on another data set size)"
    )
    parser.add_argument(
        "--compile-only", action="store_true", help="time HogQL parse + compile per query (no data needed)"
    )
    args = parser.parse_args()
    configure()
    if args.compile_only:
        compile_times(max(args.runs, 200))
        return
    ds, state = load_dataset(args.events, args.scale)
    if args.load_only:
        return
    results = []
    for module, case in discover(args.only):
        result = run_case(case, ds, state["key"], args.runs)
        results.append(result)
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        print(
            f"[{module}] {result['name']}: api {result['api']:.3f}s sql {result['sql']:.3f}s "
            f"ratio {result['ratio']:.2f} same={result['same']} naive {result.get('naive', 0):.3f}s "
            f"naive_same={result.get('naive_same')}",
            flush=True,
        )
    if not args.no_write:
        write_results(results, ds, state, args.runs)


if __name__ == "__main__":
    main()
