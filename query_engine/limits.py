"""Bounds on how much work one query node may ask for, checked before anything runs.

A node past a bound is a 400 naming the bound, not a statement ClickHouse refuses
(or runs for minutes).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

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


def setting(name: str, default: int) -> int:
    """A size bound from settings (they are named in the 400 so an operator can raise them)."""
    return int(getattr(settings, name, default))


def check_result_cells(cells: int, *, attr: str, what: str) -> None:
    """400 before running when a result would hold more values than ``QUERY_MAX_RESULT_CELLS``.

    ``cells`` is the estimate from the node alone (series x breakdown values x buckets): the
    work and the response grow with it, whatever the data holds.
    """
    bound = setting("QUERY_MAX_RESULT_CELLS", 1_000_000)
    if cells > bound:
        raise QueryError(
            f"The result would hold up to {cells:,} values ({what}), more than the server's "
            f"QUERY_MAX_RESULT_CELLS setting ({bound:,}). Use fewer series, a lower breakdown_limit, "
            "a larger interval or a shorter date range.",
            attr=attr,
            code="result_too_large",
        )


def check_at_most(value: int, *, name: str, attr: str, default: int) -> int:
    """``value`` if within the bound ``name`` (a setting), else a 400 naming that setting."""
    bound = setting(name, default)
    if value > bound:
        field = attr.split("__")[-1]
        raise QueryError(
            f"{field} must be at most {bound:,} (the server's {name} setting).", attr=attr, code="too_large"
        )
    return value
