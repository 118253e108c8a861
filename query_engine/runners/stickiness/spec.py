"""``StickinessQuery`` → ``StickinessSpec``: cumulative or not, and the per-interval criterion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError
from query_engine.model import SeriesSpec
from query_engine.nodes import integer, series_fields

CRITERIA_OPERATORS = ("gte", "lte", "exact")


@dataclass(frozen=True)
class StickinessSpec(SeriesSpec):
    computed_as: str = "non_cumulative"
    # An interval counts when the actor has (operator) ``value`` events in it.
    operator: str = "gte"
    value: int = 1


def stickiness_spec(query: dict[str, Any]) -> StickinessSpec:
    fields = series_fields(query, "StickinessQuery")
    sticky = query.get("stickinessFilter") or {}
    computed_as = sticky.get("computedAs") or "non_cumulative"
    if computed_as not in ("non_cumulative", "cumulative"):
        raise QueryError(
            "computedAs must be non_cumulative or cumulative.", attr="stickinessFilter__computedAs"
        )
    criteria = sticky.get("stickinessCriteria") or {}
    if not criteria:
        return StickinessSpec(**fields, computed_as=computed_as)
    operator = criteria.get("operator", "gte")
    if operator not in CRITERIA_OPERATORS:
        raise QueryError(
            "operator must be gte, lte or exact.", attr="stickinessFilter__stickinessCriteria__operator"
        )
    value = integer(criteria.get("value", 1), "stickinessFilter__stickinessCriteria__value", minimum=1)
    return StickinessSpec(**fields, computed_as=computed_as, operator=operator, value=value)
