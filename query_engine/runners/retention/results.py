"""Retention SQL rows → PostHog's result rows (engine.md §5.4). Pure.

The query API gets the current, rectangular shape (every cohort row has one
value per interval); the legacy endpoint trims it to the triangular shape the
seed-era API returned (row ``i`` has ``intervals - i`` values).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from query_engine.dates import localize

Matrix = list[list[int]]


def matrices(rows: Iterable[Sequence[Any]], intervals: int) -> dict[str, Matrix]:
    """``(breakdown_value, start_index, lag_index, actors)`` rows → one matrix per value."""
    result: dict[str, Matrix] = defaultdict(lambda: [[0] * intervals for _ in range(intervals)])
    for value, start, lag, actors in rows:
        if 0 <= start < intervals and 0 <= start + lag < intervals:
            result[str(value)][start][lag] = int(actors)
    return dict(result)


def ranked_values(found: dict[str, Matrix]) -> list[str]:
    """Breakdown values by total cohort size (descending), ties by value."""
    return sorted(found, key=lambda value: (-sum(row[0] for row in found[value]), value))


def iso_date(moment: datetime, tz: ZoneInfo) -> str:
    text = localize(moment, tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def cohort_rows(
    matrix: Matrix,
    *,
    period: str,
    periods: Sequence[datetime],
    tz: ZoneInfo,
    breakdown_value: str | None = None,
) -> list[dict[str, Any]]:
    """The rectangular rows of one matrix, labelled ``"<Period> <i>"``."""
    rows = []
    for index, start in enumerate(periods):
        row: dict[str, Any] = {
            "label": f"{period} {index}",
            "date": iso_date(start, tz),
            "values": [
                {"count": count, "label": f"{period} {lag}"} for lag, count in enumerate(matrix[index])
            ],
        }
        if breakdown_value is not None:
            row["breakdown_value"] = breakdown_value
        rows.append(row)
    return rows


def triangular(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Legacy shape: row ``i`` keeps ``intervals - i`` values, each ``{count, people}``.

    Rows restart at index 0 for each breakdown value, as they are emitted per value.
    """
    result = []
    for row in rows:
        index = int(str(row["label"]).rsplit(" ", 1)[-1])
        values = row["values"][: max(len(row["values"]) - index, 0)]
        legacy = {**row, "values": [{"count": v["count"], "people": []} for v in values], "people_url": None}
        result.append(legacy)
    return result
