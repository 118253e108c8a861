"""Persons lookup benchmark: ``GET /persons/?distinct_id=`` on a project with 1M persons.

    python bench/persons.py [--persons 1000000] [--requests 400]

Loads (once, into ``bench/data/persons/``) a project whose ``person`` table has ``--persons``
persons, each with two distinct ids (``user-N`` and ``anon-N``), written by ClickHouse
``INSERT … SELECT FROM numbers()`` in batches (several parts, as ingestion leaves them).
Then times the whole HTTP stack in process (personal API key, DRF, both ClickHouse reads)
for random ``user-N`` lookups, checking each answer (one person, both distinct ids).

Requests alternate between the current code and the same code with the ``person_id``
bloom filter ignored (``ignore_data_skipping_indices``), so load hits both alike; the
p50/p90/p99 of each are printed and written to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "persons"
STATE = DATA / "state.json"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Persons lookup (`bench/persons.py`)"
BATCH = 250_000
LOAD: list[float] = []  # 1-minute load average before and after the timed requests


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


PERSONS_SQL = """
INSERT INTO person (id, team_id, created_at, properties, is_identified, is_deleted, version)
SELECT reinterpretAsUUID(sipHash128(concat('bench-person-', toString(number)))), {team:Int64},
       toDateTime64('2026-01-01 00:00:00', 6, 'UTC') + toIntervalSecond(number),
       concat('{"email": "user', toString(number), '@example.com", "plan": "',
              ['free', 'pro'][number % 2 + 1], '"}'),
       1, 0, 0
FROM numbers({start:UInt64}, {count:UInt64})
"""

DISTINCT_IDS_SQL = """
INSERT INTO person_distinct_id2 (team_id, distinct_id, person_id, is_deleted, version)
SELECT {team:Int64}, concat(prefix, toString(number)),
       reinterpretAsUUID(sipHash128(concat('bench-person-', toString(number)))), 0, 0
FROM numbers({start:UInt64}, {count:UInt64})
ARRAY JOIN ['user-', 'anon-'] AS prefix
"""


def load(persons: int) -> dict:
    from django.core.management import call_command

    from analytics.services.tenancy import create_project_with_owner
    from query_engine.backends import get_backend
    from query_engine.schema.apply import apply_migrations

    call_command("migrate", verbosity=0)
    backend = get_backend()
    apply_migrations(backend)
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    if state.get("persons") == persons:
        return state
    created = create_project_with_owner(name=f"persons {persons}", email=f"persons-{persons}@example.com")
    started = time.monotonic()
    for start in range(0, persons, BATCH):
        params = {"team": created.team.id, "start": start, "count": min(BATCH, persons - start)}
        backend.command(PERSONS_SQL, params)
        backend.command(DISTINCT_IDS_SQL, params)
    state = {
        "persons": persons,
        "team_id": created.team.id,
        "key": created.personal_api_key,
        "load_seconds": round(time.monotonic() - started, 1),
    }
    STATE.write_text(json.dumps(state))
    return state


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50": statistics.median(ordered) * 1000, "p90": at(0.9), "p99": at(0.99)}


def run(state: dict, requests: int, seed: int) -> dict[str, dict[str, float]]:
    """p50/p90/p99 per variant; the machine's 1-minute load average before and after is kept."""
    from rest_framework.test import APIClient

    from query_engine.sql import person_list

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {state['key']}")
    url = f"/api/projects/{state['team_id']}/persons/"
    current = person_list.distinct_ids_sql

    def without_index(team_id: int, person_ids: list[str]) -> tuple[str, dict]:
        sql, params = current(team_id, person_ids)
        return sql + "\nSETTINGS ignore_data_skipping_indices = 'person_id_bloom'", params

    LOAD.append(os.getloadavg()[0])
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {"with index": [], "index ignored": []}
    for i in range(requests + 20):  # the first 20 warm up
        variant = "with index" if i % 2 == 0 else "index ignored"
        person_list.distinct_ids_sql = current if variant == "with index" else without_index  # type: ignore[assignment]
        number = rng.randrange(state["persons"])
        started = time.perf_counter()
        response = client.get(url, {"distinct_id": f"user-{number}"})
        elapsed = time.perf_counter() - started
        (person,) = response.json()["results"]
        assert person["distinct_ids"] == [f"anon-{number}", f"user-{number}"], person
        if i >= 20:
            samples[variant].append(elapsed)
    person_list.distinct_ids_sql = current  # type: ignore[assignment]
    LOAD.append(os.getloadavg()[0])
    return {variant: percentiles(values) for variant, values in samples.items()}


def write_results(results: dict[str, dict[str, float]], state: dict, requests: int) -> None:
    lines = [
        SECTION,
        "",
        f"Written by `python bench/persons.py --persons {state['persons']} --requests {requests}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; embedded chDB, {platform.machine()}, {os.cpu_count()} "
        f"CPUs shared with other agents' work (1-minute load average {LOAD[0]:.1f} before, "
        f"{LOAD[-1]:.1f} after).",
        f"Data: {state['persons']:,} persons with 2 distinct ids each ({2 * state['persons']:,} "
        f"`person_distinct_id2` rows), inserted in batches of {BATCH:,} "
        f"(loaded in {state['load_seconds']} s).",
        "Each request: `GET /api/projects/:id/persons/?distinct_id=user-N` (random N) through the full "
        "stack in process with a personal API key; every answer checked. Requests alternate between the "
        "current code and the same code with the `person_id_bloom` index ignored.",
        "",
        "| variant | requests | p50 ms | p90 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for variant, p in results.items():
        lines.append(f"| {variant} | {requests // 2} | {p['p50']:.1f} | {p['p90']:.1f} | {p['p99']:.1f} |")
    document = RESULTS.read_text()
    head, found, rest = document.partition(SECTION)
    if found:
        following = rest.find("\n## ")
        document = head + "\n".join(lines) + "\n" + (rest[following:] if following >= 0 else "")
    else:
        document = document.rstrip() + "\n\n" + "\n".join(lines) + "\n"
    RESULTS.write_text(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    configure()
    state = load(args.persons)
    results = run(state, args.requests, args.seed)
    for variant, p in results.items():
        print(f"{variant}: p50 {p['p50']:.1f} ms  p90 {p['p90']:.1f} ms  p99 {p['p99']:.1f} ms", flush=True)
    write_results(results, state, args.requests)


if __name__ == "__main__":
    main()
