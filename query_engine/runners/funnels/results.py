"""Rows of the funnel queries → PostHog's result shapes (engine.md §3.4, §3.6, §3.7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from query_engine.dates import DateWindow, bucket_key
from query_engine.model import ActionDef, Series
from query_engine.runners.funnels.spec import FunnelSpec


def _step_identity(
    series: Series, index: int, spec: FunnelSpec, actions: dict[int, ActionDef]
) -> dict[str, Any]:
    if spec.order == "unordered":
        name = f"Completed {index + 1} step{'s' if index else ''}"
        return {"action_id": None, "name": name, "custom_name": None, "type": "events"}
    if series.kind == "actions":
        action = actions.get(series.action_id or 0)
        name = action.name if action else (series.name or str(series.action_id))
        return {
            "action_id": series.action_id,
            "name": name,
            "custom_name": series.custom_name,
            "type": "actions",
        }
    # A step on any event (``event: null``) keeps name null, as PostHog answers it.
    return {
        "action_id": series.event,
        "name": series.event,
        "custom_name": series.custom_name,
        "type": "events",
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def step_list(
    row: dict[str, Any], spec: FunnelSpec, actions: dict[int, ActionDef], breakdown: Any = None
) -> list[dict[str, Any]]:
    """One funnel (or one breakdown value's funnel) as a list of steps."""
    steps = []
    for i, series in enumerate(spec.series):
        step = {
            **_step_identity(series, i, spec, actions),
            "order": i,
            "people": [],
            "count": int(row["step_counts"][i]),
            "average_conversion_time": _number(row["averages"][i - 1]) if i else None,
            "median_conversion_time": _number(row["medians"][i - 1]) if i else None,
        }
        if spec.breakdown is not None:
            step["breakdown"] = breakdown
            step["breakdown_value"] = breakdown
        steps.append(step)
    return steps


def steps_result(rows: list[dict[str, Any]], spec: FunnelSpec, actions: dict[int, ActionDef]) -> list[Any]:
    if spec.breakdown is None:
        return step_list(rows[0], spec, actions) if rows else []
    return [step_list(row, spec, actions, row["final_breakdown"]) for row in rows]


def _rate(reached_from: int, reached_to: int) -> float:
    return round(reached_to / reached_from * 100, 2) if reached_from else 0


def trends_result(rows: list[dict[str, Any]], spec: FunnelSpec, window: DateWindow) -> list[dict[str, Any]]:
    """Conversion rate per entrance period; every period of the range is reported."""
    buckets = window.buckets
    keys = [bucket_key(b) for b in buckets]
    series: dict[Any, dict[str, tuple[int, int]]] = {}
    for row in rows:
        local = datetime.fromtimestamp(int(row["period"]), window.tz).replace(tzinfo=None)
        value = tuple(row["breakdown"])
        series.setdefault(value, {})[bucket_key(local)] = (int(row["reached_from"]), int(row["reached_to"]))
    if not series and spec.breakdown is None:
        series[()] = {}
    ordered = sorted(series.items(), key=lambda item: -sum(f for f, _ in item[1].values()))
    if spec.breakdown is not None:
        ordered = ordered[: spec.breakdown.limit]
    result = []
    for value, per_period in ordered:
        entry: dict[str, Any] = {
            "count": len(buckets),
            "data": [_rate(*per_period.get(key, (0, 0))) for key in keys],
            "days": window.days(),
            "labels": window.labels(),
        }
        if spec.breakdown is not None:
            entry["breakdown_value"] = list(value) if any(value) else ["None"]
        result.append(entry)
    return result


def time_to_convert_result(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``bins`` = [[bin start seconds, actors], …] for bin_count + 1 bins."""
    if not rows or rows[0].get("bin_count") in (None, 0):
        return {"bins": [], "average_conversion_time": None}
    row = rows[0]
    lo, width, count = int(row["lo"]), int(row["width"]), int(row["bin_count"])
    per_bin = {int(b): int(c) for b, c in row["counts"]}
    bins = [[lo + k * width, per_bin.get(k, 0)] for k in range(count + 1)]
    return {"bins": bins, "average_conversion_time": float(row["average"])}
