"""``RetentionQuery`` → :class:`RetentionOptions`, validated (engine.md §5.1).

A bad field is a 400 whose ``attr`` names it; defaults are PostHog's current
schema defaults for query nodes (the legacy converter fills in its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError
from query_engine.limits import check_at_most
from query_engine.model import EMPTY_GROUP, Breakdown, DateRange, PropertyGroup, Series
from query_engine.nodes import integer, parse_breakdown, parse_date_range, parse_properties

PERIODS = ("Hour", "Day", "Week", "Month")
RETENTION_TYPES = ("retention_recurring", "retention_first_time", "retention_first_ever_occurrence")
DEFAULT_TOTAL_INTERVALS = 8
MAX_TOTAL_INTERVALS = 1000
DEFAULT_ENTITY = {"id": "$pageview", "type": "events"}
GROUP_TYPE_INDEXES = range(5)


@dataclass(frozen=True)
class RetentionOptions:
    """A validated retention query: entities, period, window and filters."""

    target: Series
    returning: Series
    retention_type: str = "retention_recurring"
    period: str = "Day"
    total_intervals: int = DEFAULT_TOTAL_INTERVALS
    cumulative: bool = False
    minimum_occurrences: int = 1
    date_range: DateRange = DateRange()
    properties: PropertyGroup = EMPTY_GROUP
    filter_test_accounts: bool = False
    breakdown: Breakdown | None = None
    aggregation_group_type_index: int | None = None


def _int(value: Any, attr: str, *, default: int, minimum: int) -> int:
    if value in (None, ""):
        return default
    number = integer(value, attr)
    if number < minimum:
        raise QueryError(f"{attr.split('__')[-1]} must be at least {minimum}.", attr=attr)
    return number


def entity_series(raw: Any, attr: str) -> Series:
    """A ``RetentionEntity`` (events or actions; ``id: null`` = any event) as a series."""
    raw = DEFAULT_ENTITY if raw in (None, {}) else raw
    if not isinstance(raw, dict):
        raise QueryError("The entity must be an object.", attr=attr)
    if raw.get("kind") not in (None, "EventsNode", "ActionsNode"):
        # A GroupNode (or any other kind) is no RetentionEntity in PostHog's schema: counting
        # it as "any event" would answer a question nobody asked.
        raise QueryError(
            f"A retention entity is an EventsNode or an ActionsNode, not {str(raw.get('kind'))[:60]!r}.",
            attr=f"{attr}__kind",
        )
    kind = raw.get("type") or ("actions" if raw.get("kind") == "ActionsNode" else "events")
    properties = parse_properties(raw.get("properties"), f"{attr}__properties")
    name = raw.get("name")
    if kind == "actions":
        if raw.get("id") is None:
            raise QueryError("An action entity needs a numeric id.", attr=f"{attr}__id")
        action_id = integer(raw["id"], f"{attr}__id")
        return Series(kind="actions", action_id=action_id, name=name, properties=properties)
    if kind != "events":
        raise QueryError(
            f"Entity type {kind!r} is not supported; use events or actions.", attr=f"{attr}__type"
        )
    event = raw.get("id")
    if event is not None and not isinstance(event, str):
        raise QueryError("An event entity's id must be an event name or null.", attr=f"{attr}__id")
    return Series(kind="events", event=event, name=name or event, properties=properties)


def _choice(value: Any, allowed: tuple[str, ...], default: str, attr: str) -> str:
    if value in (None, ""):
        return default
    if value not in allowed:
        raise QueryError(
            f"Unknown {attr.split('__')[-1]} {value!r}; use one of {', '.join(allowed)}.", attr=attr
        )
    return str(value)


def _group_index(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if value not in GROUP_TYPE_INDEXES:
        raise QueryError("aggregation_group_type_index must be 0 to 4.", attr="aggregation_group_type_index")
    return int(value)


def retention_options(query: dict[str, Any]) -> RetentionOptions:
    """Parse and validate a ``RetentionQuery`` node."""
    raw = query.get("retentionFilter") or {}
    if not isinstance(raw, dict):
        raise QueryError("retentionFilter must be an object.", attr="retentionFilter")
    return RetentionOptions(
        target=entity_series(raw.get("targetEntity"), "retentionFilter__targetEntity"),
        returning=entity_series(raw.get("returningEntity"), "retentionFilter__returningEntity"),
        retention_type=_choice(
            raw.get("retentionType"), RETENTION_TYPES, "retention_recurring", "retentionFilter__retentionType"
        ),
        period=_choice(raw.get("period"), PERIODS, "Day", "retentionFilter__period"),
        total_intervals=check_at_most(
            _int(
                raw.get("totalIntervals"),
                "retentionFilter__totalIntervals",
                default=DEFAULT_TOTAL_INTERVALS,
                minimum=1,
            ),
            name="QUERY_MAX_RETENTION_INTERVALS",
            attr="retentionFilter__totalIntervals",
            default=MAX_TOTAL_INTERVALS,
        ),
        cumulative=bool(raw.get("cumulative")),
        minimum_occurrences=_int(
            raw.get("minimumOccurrences"), "retentionFilter__minimumOccurrences", default=1, minimum=1
        ),
        date_range=parse_date_range(query.get("dateRange")),
        properties=parse_properties(query.get("properties")),
        filter_test_accounts=bool(query.get("filterTestAccounts")),
        breakdown=parse_breakdown(
            query.get("breakdownFilter"), default_limit=25, sessions=True, cohorts=True
        ),
        aggregation_group_type_index=_group_index(query.get("aggregation_group_type_index")),
    )


def entities(options: RetentionOptions) -> dict[str, Series]:
    """The target and returning entities by the attr that names them in errors."""
    return {
        "retentionFilter__targetEntity": options.target,
        "retentionFilter__returningEntity": options.returning,
    }
