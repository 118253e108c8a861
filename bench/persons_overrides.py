"""Persons without the override join: old (LEFT JOIN) vs new (scalar override set) vs naive SQL.

    python bench/persons_overrides.py [--runs 5]

On the ``bench/queries.py`` data set. For DAU, weekly retention and stickiness it records the
statements the API runs now (new), rewrites them to the join form main used before (old: the
previous ``PERSON_ID`` and the LEFT JOIN after each ``FROM events``) and times, alternating in
one process, old, new, and the naive SQL a ClickHouse user would write (``e.person_id``, no
override handling). Answers must agree. Writes its own section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: bench/ is a package
from bench import queries  # noqa: E402

OLD_PERSON = "if(override_distinct_id != '', override_person_id, events.person_id)"
OLD_JOIN = """LEFT JOIN (
    SELECT distinct_id AS override_distinct_id, argMax(person_id, version) AS override_person_id
    FROM person_distinct_id_overrides
    WHERE team_id = {team_id:Int64}
    GROUP BY distinct_id
    HAVING argMax(is_deleted, version) = 0
) AS overrides ON events.distinct_id = overrides.override_distinct_id"""
SECTION = "## Persons without the override join (`bench/persons_overrides.py`)"


def cases() -> list[tuple[str, Any, Callable[[str], str]]]:
    """(name, API request builder, naive SQL builder) from the existing case modules."""
    from bench.cases import retention_paths, stickiness_lifecycle, trends

    def naive(sql: str) -> str:
        for person in (trends.OVERRIDES, retention_paths.OVERRIDES, stickiness_lifecycle.OVERRIDES):
            sql = sql.replace(person, "")
        return sql.replace(retention_paths.PERSON, "e.person_id")

    by_name = {c.name: c for c in trends.CASES + retention_paths.CASES + stickiness_lifecycle.CASES}
    wanted = {
        "DAU, 30 days": "trends: daily active users (with person overrides), 30 days",
        "retention, weekly, 8 cohorts": "retention: weekly, 8 cohorts of $pageview (with person overrides)",
        "stickiness, 14 days": next(n for n in by_name if n.startswith("stickiness")),
    }
    return [(label, by_name[name], naive) for label, name in wanted.items()]


def capture(call) -> list[tuple[str, dict[str, Any]]]:
    """The statements (and parameters) one API call runs."""
    from query_engine.backends import get_backend

    backend = type(get_backend())
    original = backend.execute
    seen: list[tuple[str, dict[str, Any]]] = []

    def spy(self, sql, params=None, **kwargs):
        seen.append((sql, dict(params or {})))
        return original(self, sql, params, **kwargs)

    backend.execute = spy  # type: ignore[method-assign]
    try:
        call()
    finally:
        backend.execute = original  # type: ignore[method-assign]
    return seen


def to_old(sql: str) -> str:
    from query_engine.sql.persons import PERSON_ID

    if PERSON_ID not in sql:
        return sql
    return sql.replace(PERSON_ID, OLD_PERSON).replace("FROM events\n", "FROM events\n" + OLD_JOIN + "\n")


def timed(statements: list[tuple[str, dict[str, Any]]]) -> tuple[float, int, list]:
    from query_engine.backends import get_backend

    backend = get_backend()
    started = time.perf_counter()
    read, rows = 0, []
    for sql, params in statements:
        result = backend.execute(sql, params)
        read += result.bytes_read
        rows.append(sorted(map(str, result.rows)))  # statements without ORDER BY: compare as sets
    return time.perf_counter() - started, read, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--overrides",
        type=int,
        default=0,
        help="first add this many override rows (existing distinct ids moved to other persons; "
        "only on a project that has none, and removed again at the end)",
    )
    parser.add_argument(
        "--squash",
        action="store_true",
        help="after adding them, fold the overrides into events (analytics/ingestion/override_squash.py) "
        "and time that, then measure",
    )
    args = parser.parse_args()
    queries.configure()
    from rest_framework.test import APIClient

    from query_engine.backends import get_backend

    ds, state = queries.load_dataset(10_000_000, 10)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {state['key']}")
    overrides = (
        get_backend()
        .execute(
            "SELECT count() FROM person_distinct_id_overrides WHERE team_id = {t:Int64}", {"t": ds.team_id}
        )
        .rows[0][0]
    )
    if args.overrides:
        if overrides:
            raise SystemExit("the project already has overrides; --overrides needs an empty table")
        add_overrides(ds.team_id, args.overrides)
    squashed = ""
    if args.squash:
        from analytics.ingestion import override_squash
        from analytics.ingestion.writer import get_writer

        started = time.perf_counter()
        folded = override_squash.squash(get_writer(), ds.team_id)
        seconds = time.perf_counter() - started
        squashed = f" then squashed ({folded} ids folded into events in {seconds:.1f} s)"
        print(squashed, flush=True)
    try:
        lines = measure(client, ds, args.runs)
    finally:
        if args.overrides:
            get_backend().execute(
                "DELETE FROM person_distinct_id_overrides WHERE team_id = {t:Int64}", {"t": ds.team_id}
            )
    title = f"{SECTION}, {args.overrides} override rows" if args.overrides else SECTION
    if args.squash:
        title += ", squashed"
    section = "\n".join(
        [
            title,
            "",
            f"Measured {datetime.now(UTC).isoformat(timespec='minutes')}, {ds.events:,} events, "
            f"{args.overrides or overrides} override rows{squashed}, best of {args.runs}, "
            "old/new/naive alternating in one process (chDB, shared 2-core machine: compare ratios). "
            "Old = the statements the API runs with the LEFT JOIN on `person_distinct_id_overrides` "
            "(main before this change); new = "
            "the same statements with the scalar override set (`query_engine/sql/persons.py`); naive = "
            "`e.person_id`, no override handling (so with overrides its answer differs). Bytes read are "
            "old / new / naive.",
            "",
            "| query | old s | new s | naive s | new / naive | bytes read | old = new answer |",
            "|---|---|---|---|---|---|---|",
            *lines,
        ]
    )
    document = queries.RESULTS.read_text() if queries.RESULTS.exists() else ""
    queries.RESULTS.write_text(queries.replace_section(document, section, title))


def add_overrides(team_id: int, count: int) -> None:
    """``count`` distinct ids (by hash) each moved to one of 1,000 existing persons."""
    from query_engine.backends import get_backend

    get_backend().execute(
        "INSERT INTO person_distinct_id_overrides (team_id, distinct_id, person_id, is_deleted, version) "
        "SELECT {t:Int64}, d, arrayElement(persons, 1 + cityHash64(d) % length(persons)), 0, 1 FROM ("
        "SELECT distinct_id AS d FROM events WHERE team_id = {t:Int64} "
        "GROUP BY distinct_id ORDER BY cityHash64(d) LIMIT {n:UInt64}) AS ids "
        "CROSS JOIN (SELECT groupUniqArray(1000)(person_id) AS persons FROM events "
        "WHERE team_id = {t:Int64}) AS sample",
        {"t": team_id, "n": count},
    )


def measure(client: Any, ds: Any, runs: int) -> list[str]:
    lines = []
    for label, case, naive in cases():
        method, path, body = case.request(ds)
        url = f"/api/projects/{ds.team_id}/{path}"
        new = capture(lambda url=url, body=body: client.post(url, body, format="json"))
        old = [(to_old(sql), params) for sql, params in new]
        naive_sql, naive_params = case.sql(ds)
        plain = [(naive(naive_sql), naive_params)]
        sides = {"old": old, "new": new, "naive": plain}
        best = {k: float("inf") for k in sides}
        read: dict[str, int] = {}
        answers: dict[str, list] = {}
        for statements in sides.values():  # warm-up
            timed(statements)
        for _ in range(runs):
            for k, statements in sides.items():
                seconds, read[k], answers[k] = timed(statements)
                best[k] = min(best[k], seconds)
        same = answers["old"] == answers["new"]
        line = (
            f"| {label} | {best['old']:.3f} | {best['new']:.3f} | {best['naive']:.3f} | "
            f"{best['new'] / best['naive']:.2f}× | {read['old'] / 1e6:.0f} / {read['new'] / 1e6:.0f} / "
            f"{read['naive'] / 1e6:.0f} MB | {'yes' if same else 'NO'} |"
        )
        print(line, flush=True)
        lines.append(line)
    return lines


if __name__ == "__main__":
    main()
