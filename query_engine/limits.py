"""Bounds on how much work one query node may ask for, checked before anything runs.

A node past a bound is a 400 naming the bound, not a statement ClickHouse refuses
(or runs for minutes).
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError

# Property filters in one node, counted everywhere (global, per series, nested groups):
# ClickHouse refuses statements past max_query_size long before 10,000 of them.
MAX_PROPERTY_FILTERS = 1000
FILTER_LISTS = ("properties", "values", "exclusions")


def _count_filters(value: Any, inside_filters: bool = False) -> int:
    if isinstance(value, dict):
        own = 1 if inside_filters and "key" in value else 0
        return own + sum(_count_filters(item, key in FILTER_LISTS) for key, item in value.items())
    if isinstance(value, list):
        return sum(_count_filters(item, inside_filters) for item in value)
    return 0


def check_filter_count(node: dict[str, Any]) -> None:
    count = _count_filters(node)
    if count > MAX_PROPERTY_FILTERS:
        raise QueryError(
            f"Too many filters: {count} property filters, at most {MAX_PROPERTY_FILTERS} per query.",
            attr="properties",
            code="too_many_filters",
        )
