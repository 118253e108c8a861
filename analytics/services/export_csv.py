"""A query response as CSV rows, by result shape (what PostHog's CSV exporter writes).

Pure: a response dict in, a header and rows out; ``to_csv`` writes them.

* HogQL and events queries: ``columns`` then the rows as they are;
* trends, stickiness, lifecycle: ``series`` then one column per date label;
  a single-number display (``aggregated_value``): ``series,value``;
* funnels: one row per step (per breakdown value), counts and conversion times;
* retention: one row per cohort, its size then one column per period;
* paths: ``source,target,value,average_conversion_time``;
* anything else: each item flattened, nested keys joined with ``.``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

Rows = tuple[list[str], list[list[Any]]]

FUNNEL_HEADER = [
    "name",
    "breakdown_value",
    "action_id",
    "count",
    "median_conversion_time (seconds)",
    "average_conversion_time (seconds)",
]


def csv_rows(response: dict[str, Any]) -> Rows:
    results = response.get("results")
    if results is None:
        results = response.get("result")
    columns = response.get("columns")
    if isinstance(columns, list) and isinstance(results, list) and all(isinstance(r, list) for r in results):
        return [str(c) for c in columns], [list(r) for r in results]
    items = results if isinstance(results, list) else [results] if isinstance(results, dict) else []
    if not items:
        return [], []
    first = items[0]
    if isinstance(first, dict) and "data" in first and "labels" in first:
        return _trends(items)
    if isinstance(first, list) or (isinstance(first, dict) and "count" in first and "order" in first):
        return _funnel(items)
    if isinstance(first, dict):
        if "aggregated_value" in first:
            return ["series", "value"], [[_series(i), i.get("aggregated_value")] for i in items]
        if "values" in first and isinstance(first["values"], list):
            return _retention(items)
        if {"source", "target", "value"} <= first.keys():
            keys = ["source", "target", "value", "average_conversion_time"]
            return keys, [[i.get(k) for k in keys] for i in items]
    return _flattened(items)


def _series(item: dict[str, Any]) -> Any:
    action = item.get("action")
    if not isinstance(action, dict):
        action = {}
    return item.get("custom_name") or action.get("custom_name") or item.get("label")


def _trends(items: list[dict[str, Any]]) -> Rows:
    labels = [str(label) for label in items[0].get("labels") or []]
    return ["series", *labels], [[_series(item), *(item.get("data") or [])] for item in items]


def _funnel(items: list[Any]) -> Rows:
    steps = [step for item in items for step in (item if isinstance(item, list) else [item])]
    rows = []
    for step in steps:
        breakdown = step.get("breakdown_value")
        rows.append(
            [
                step.get("custom_name") or step.get("name"),
                "::".join(map(str, breakdown)) if isinstance(breakdown, list) else breakdown,
                step.get("action_id"),
                step.get("count"),
                step.get("median_conversion_time"),
                step.get("average_conversion_time"),
            ]
        )
    return list(FUNNEL_HEADER), rows


def _retention(items: list[dict[str, Any]]) -> Rows:
    longest = max(items, key=lambda item: len(item.get("values") or []))
    periods = [str(value.get("label") or f"Period {n}") for n, value in enumerate(longest["values"])]
    rows = []
    for item in items:
        counts = [value.get("count") for value in item.get("values") or []]
        rows.append([item.get("date") or item.get("label"), counts[0] if counts else None, *counts])
    return ["cohort", "cohort size", *periods], rows


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{prefix}.{index}" if prefix else str(index), out)
    else:
        out[prefix or "value"] = value


def _flattened(items: list[Any]) -> Rows:
    flat = []
    for item in items:
        row: dict[str, Any] = {}
        _flatten(item, "", row)
        flat.append(row)
    header = sorted({key for row in flat for key in row})
    return header, [[row.get(key) for key in header] for row in flat]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return value


def to_csv(response: dict[str, Any]) -> bytes:
    header, rows = csv_rows(response)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue().encode()
