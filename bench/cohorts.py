"""Cohort benchmark: calculation time by project size, a 100,000-row static CSV upload,
and a trends query with a cohort filter against the same query without it.

    python bench/cohorts.py [--sizes 10000,100000,1000000] [--runs 5]

A fresh chDB directory and SQLite file under ``bench/data/cohorts/`` (deleted first). Each
size is its own project whose persons are written by ClickHouse itself (INSERT … SELECT
FROM numbers(N)): ``email`` user<i>@acme.com for every third person, else @other.com;
``plan`` pro for even i. Every timing goes through HTTP in-process (Django's test client,
a personal API key) and the embedded Celery worker, as a client would see it: a cohort
is timed from its POST until ``is_calculating`` is false. The trends comparison runs on
the 100,000-person project with 3 pageviews per person in the last 7 days, alternating
filtered and unfiltered runs (``refresh: force_blocking``), median of ``--runs``.
Prints a Markdown section for ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "cohorts"


def configure() -> None:
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["CHDB_PATH"] = str(DATA / "chdb")
    os.environ["DATABASE_URL"] = f"sqlite:///{DATA / 'meta.sqlite3'}"
    os.environ["THROTTLE_ENABLED"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate_clickhouse", verbosity=0)


def load_persons(team_id: int, n: int) -> float:
    from query_engine.backends import get_backend

    backend = get_backend()
    person_id = "reinterpretAsUUID(sipHash128(concat({team:String}, '-', toString(number))))"
    started = time.perf_counter()
    params = {"team": str(team_id), "team_id": team_id, "n": n}
    backend.command(
        "INSERT INTO person (id, team_id, created_at, properties, is_identified, is_deleted, version)\n"
        f'SELECT {person_id}, {{team_id:Int64}}, now64(6), concat(\'{{"email": "user\', toString(number),'
        " if(number % 3 = 0, '@acme.com', '@other.com'), '\", \"plan\": \"',"
        " if(number % 2 = 0, 'pro', 'free'),"
        " '\"}'), 1, 0, 1 FROM numbers({n:UInt64})",
        params,
    )
    backend.command(
        "INSERT INTO person_distinct_id2 (team_id, distinct_id, person_id, is_deleted, version)\n"
        f"SELECT {{team_id:Int64}}, concat('user', toString(number)), {person_id}, 0, 1"
        " FROM numbers({n:UInt64})",
        params,
    )
    return time.perf_counter() - started


def load_events(team_id: int, n: int) -> int:
    from query_engine.backends import get_backend

    person_id = "reinterpretAsUUID(sipHash128(concat({team:String}, '-', toString(number % {n:UInt64}))))"
    get_backend().command(
        "INSERT INTO events (uuid, team_id, event, distinct_id, person_id, timestamp, properties,"
        " person_properties, person_created_at)\n"
        "SELECT generateUUIDv4(), {team_id:Int64}, '$pageview',"
        " concat('user', toString(number % {n:UInt64})),"
        f" {person_id}, now64(6) - toIntervalSecond(number % 600000), '{{}}', '{{}}', now64(6)"
        " FROM numbers({events:UInt64})",
        {"team": str(team_id), "team_id": team_id, "n": n, "events": 3 * n},
    )
    return 3 * n


def client_for(team):
    from django.test import Client

    from access_control.services import create_personal_api_key
    from tenancy.models import OrganizationMembership, User

    user = User.objects.create_user(email=f"bench{team.id}@example.com", first_name="bench")
    OrganizationMembership.objects.create(
        user=user, organization=team.organization, level=OrganizationMembership.Level.OWNER
    )
    _, key = create_personal_api_key(user=user, label="bench", scopes=["*"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def wait_calculated(client, team_id: int, cohort_id: int, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/projects/{team_id}/cohorts/{cohort_id}/").json()
        if not body["is_calculating"]:
            return body
        time.sleep(0.02)
    raise RuntimeError(f"cohort {cohort_id} did not finish")


def timed_cohort(client, team_id: int, **payload) -> tuple[float, dict]:
    started = time.perf_counter()
    if "csv" in payload:
        response = client.post(f"/api/projects/{team_id}/cohorts/", payload)
    else:
        response = client.post(f"/api/projects/{team_id}/cohorts/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = wait_calculated(client, team_id, response.json()["id"])
    return time.perf_counter() - started, body


def trends_seconds(client, team_id: int, properties: list) -> tuple[float, int]:
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
        "dateRange": {"date_from": "-7d"},
        "trendsFilter": {"display": "ActionsTable"},
        "properties": properties,
    }
    started = time.perf_counter()
    response = client.post(
        f"/api/projects/{team_id}/query/",
        {"query": query, "refresh": "force_blocking"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return time.perf_counter() - started, response.json()["results"][0]["aggregated_value"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    configure()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenancy.models import Organization, Team

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start"
    ]
    lines += [
        "",
        "| Persons | persons written s | `email icontains @acme.com` s | members | nested s | members |",
        "|---|---|---|---|---|---|",
    ]
    trends_team = None
    for size in [int(s) for s in args.sizes.split(",")]:
        organization = Organization.objects.create(name=f"Bench {size}")
        team = Team.create_with_project(organization=organization, name=f"Bench {size}")
        client = client_for(team)
        load = load_persons(team.id, size)
        acme = {
            "properties": {
                "type": "AND",
                "values": [{"type": "person", "key": "email", "operator": "icontains", "value": "@acme.com"}],
            }
        }
        seconds, body = timed_cohort(client, team.id, name="acme", filters=acme)
        nested = {
            "properties": {
                "type": "OR",
                "values": [
                    {
                        "type": "AND",
                        "values": [
                            {"type": "cohort", "key": "id", "value": body["id"]},
                            {"type": "person", "key": "plan", "operator": "exact", "value": "pro"},
                        ],
                    },
                    {
                        "type": "AND",
                        "values": [
                            {
                                "type": "person",
                                "key": "email",
                                "operator": "exact",
                                "value": "user1@other.com",
                            }
                        ],
                    },
                ],
            }
        }
        nested_seconds, nested_body = timed_cohort(client, team.id, name="nested", filters=nested)
        lines.append(
            f"| {size:,} | {load:.1f} | {seconds:.2f} | {body['count']:,} | {nested_seconds:.2f}"
            f" | {nested_body['count']:,} |"
        )
        if size == 100_000:
            trends_team = (team, client, body["id"])
        print(lines[-1], flush=True)
    if trends_team is not None:
        team, client, acme_id = trends_team
        rows = 100_000
        csv = ("distinct_id\n" + "".join(f"user{i}\n" for i in range(rows))).encode()
        upload = SimpleUploadedFile("ids.csv", csv, content_type="text/csv")
        seconds, body = timed_cohort(client, team.id, name="static", is_static="true", csv=upload)
        lines += [
            "",
            f"Static cohort, {rows:,}-row CSV ({len(csv) / 1e6:.1f} MB) POSTed multipart and calculated:"
            f" **{seconds:.2f} s**, {body['count']:,} members.",
        ]
        events = load_events(team.id, rows)
        with_filter, without = [], []
        value_with = value_without = 0
        for _ in range(args.runs + 1):  # alternate; the first pair warms up
            s, value_without = trends_seconds(client, team.id, [])
            without.append(s)
            s, value_with = trends_seconds(
                client, team.id, [{"type": "cohort", "key": "id", "value": acme_id, "operator": "in"}]
            )
            with_filter.append(s)
        lines += [
            "",
            f"Trends (DAU of $pageview, last 7 days, ActionsTable) over {events:,} events"
            f" of {rows:,} persons, median of {args.runs} alternating runs:",
            "",
            "| Query | median s | DAU |",
            "|---|---|---|",
            f"| without a cohort filter | {statistics.median(without[1:]):.3f} | {value_without:,} |",
            f"| with `cohort in acme` | {statistics.median(with_filter[1:]):.3f} | {value_with:,} |",
        ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
