"""Property columns: the same insight reading the JSON and reading a property's column.

    python bench/property_columns.py [--runs 5] [--no-write]

On the data ``bench/queries.py`` loaded, gives ``$browser`` and ``$current_url`` their own
columns (``property_columns --always``; the background fill of the existing parts is timed),
then runs each insight alternately with the columns pinned off (the JSON path, today's
plan) and on, through the API with no cache, and records the times, bytes read, the
columns' share of the table, and that both sides answer the same.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queries import RESULTS, configure, interleaved, load_dataset  # noqa: E402

KEYS = ("$browser", "$current_url")
SECTION = "## Property columns: JSON vs a column per hot property (`bench/property_columns.py`)"


def cases(ds: Any) -> list[tuple[str, dict[str, Any]]]:
    date_range = {"date_from": str(ds.first_day), "date_to": str(ds.last_day)}
    series = [{"kind": "EventsNode", "event": "$pageview"}]
    base = {"kind": "TrendsQuery", "series": series, "dateRange": date_range}
    url = {"key": "$current_url", "type": "event", "operator": "icontains", "value": "/blog"}
    return [
        (
            "trend by $browser, 30 days",
            {**base, "breakdownFilter": {"breakdown": "$browser", "breakdown_limit": 1000}},
        ),
        ("trend, $current_url icontains '/blog', 30 days", {**base, "properties": [url]}),
        (
            "trend by $browser where $current_url icontains '/blog'",
            {**base, "properties": [url], "breakdownFilter": {"breakdown": "$browser"}},
        ),
        (
            "HogQL: count by properties.$browser",
            {
                "kind": "HogQLQuery",
                "query": "SELECT properties.$browser AS b, count() FROM events GROUP BY b ORDER BY b",
            },
        ),
    ]


def wait_for_fill(backend: Any) -> float:
    started = time.monotonic()
    pending = "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND NOT is_done"
    while backend.execute(pending).rows[0][0]:
        time.sleep(0.2)
    return time.monotonic() - started


def column_bytes(backend: Any) -> tuple[int, int]:
    rows = backend.execute(
        "SELECT sumIf(data_compressed_bytes, startsWith(name, 'mat_')), sum(data_compressed_bytes)"
        " FROM system.columns WHERE database = currentDatabase() AND table = 'events'"
    ).rows
    return int(rows[0][0]), int(rows[0][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    configure()
    ds, state = load_dataset(10_000_000, 10)

    from django.core.management import call_command
    from rest_framework.test import APIClient

    from query_engine.backends import get_backend
    from query_engine.materialized import catalog

    backend = get_backend()
    added = time.monotonic()
    call_command("property_columns", *[f"--always={key}" for key in KEYS], stdout=sys.stderr)
    fill = wait_for_fill(backend) + (time.monotonic() - added)
    mat_bytes, total_bytes = column_bytes(backend)
    columns = dict(catalog.active())

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {state['key']}")

    def call(query: dict[str, Any], pinned: dict[str, str]):
        def run() -> Any:
            with catalog.pinned(pinned):
                response = client.post(
                    f"/api/projects/{ds.team_id}/query/",
                    {"query": query, "refresh": "force_blocking"},
                    format="json",
                )
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}: {response.content[:300]!r}")
            return response.json()["results"]

        return run

    rows = []
    for name, query in cases(ds):
        (json_s, json_answer), (col_s, col_answer) = interleaved(
            args.runs, call(query, {}), call(query, columns)
        )
        rows.append((name, json_s, col_s, json_answer == col_answer))
        print(f"{name}: json {json_s:.3f}s column {col_s:.3f}s ratio {col_s / json_s:.2f}", flush=True)
    lines = [
        SECTION,
        "",
        f"Written by `python bench/property_columns.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{ds.events:,} events (the `bench/queries.py` set), embedded chDB, through `/query/` with "
        f"`refresh: force_blocking`; best of {args.runs} after a warm-up, the JSON side (columns pinned "
        "off: today's plan) and the column side alternating in one process on the same table.",
        f"Columns for {', '.join(f'`{k}`' for k in KEYS)}: added and filled into the existing parts in "
        f"{fill:.1f} s; they take {mat_bytes / 2**20:.0f} MiB compressed, "
        f"{100 * mat_bytes / max(total_bytes - mat_bytes, 1):.1f}% of the table without them.",
        "",
        "| query | JSON | column | column / JSON | same answer |",
        "|---|---|---|---|---|",
        *(
            f"| {n} | {j:.3f} s | {c:.3f} s | {c / j:.2f} | {'yes' if same else 'NO'} |"
            for n, j, c, same in rows
        ),
        "",
    ]
    if not args.no_write:
        write_section("\n".join(lines))
    print("\n".join(lines))


def write_section(text: str) -> None:
    current = RESULTS.read_text() if RESULTS.exists() else ""
    if SECTION in current:
        start = current.index(SECTION)
        following = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[following + 1 :] if following != -1 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current)


if __name__ == "__main__":
    main()
