"""``PathsQuery`` → :class:`PathsOptions`, validated (engine.md §6.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError
from query_engine.limits import check_at_most
from query_engine.model import EMPTY_GROUP, DateRange, PropertyGroup
from query_engine.nodes import parse_date_range, parse_properties
from query_engine.runners.paths.sql import CUSTOM_EVENT, PAGEVIEW, SCREEN, Cleaning

EVENT_TYPES = (PAGEVIEW, SCREEN, CUSTOM_EVENT, "hogql")
DEFAULT_STEP_LIMIT = 5
DEFAULT_EDGE_LIMIT = 50
MAX_STEP_LIMIT = 100
MAX_EDGE_LIMIT = 10_000  # default of the QUERY_MAX_PATHS_EDGES setting


@dataclass(frozen=True)
class PathsOptions:
    """A validated paths query."""

    include_event_types: tuple[str, ...] = ()
    start_point: str | None = None
    end_point: str | None = None
    step_limit: int = DEFAULT_STEP_LIMIT
    edge_limit: int = DEFAULT_EDGE_LIMIT
    min_edge_weight: int | None = None
    max_edge_weight: int | None = None
    exclude_events: tuple[str, ...] = ()
    path_groupings: tuple[str, ...] = ()
    path_replacements: bool = False
    local_cleaning: tuple[Cleaning, ...] = ()
    date_range: DateRange = DateRange()
    properties: PropertyGroup = EMPTY_GROUP
    filter_test_accounts: bool = False
    hogql_expression: str | None = None  # the path item of every event when ``hogql`` is included


def _int(value: Any, attr: str, *, minimum: int, maximum: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{attr.split('__')[-1]} must be an integer.", attr=attr) from None
    if not minimum <= number <= maximum:
        raise QueryError(f"{attr.split('__')[-1]} must be between {minimum} and {maximum}.", attr=attr)
    return number


def _strings(value: Any, attr: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise QueryError(f"{attr.split('__')[-1]} must be a list of strings.", attr=attr)
    return tuple(value)


def _point(value: Any, attr: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise QueryError(f"{attr.split('__')[-1]} must be a string.", attr=attr)
    return value


def cleaning_rules(raw: Any, attr: str) -> tuple[Cleaning, ...]:
    """``[{regex, alias}]`` rules; entries without a regex are skipped, alias defaults to ''."""
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise QueryError(f"{attr.split('__')[-1]} must be a list of {{regex, alias}} objects.", attr=attr)
    rules = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("regex"), str) and item["regex"]:
            rules.append(Cleaning(regex=item["regex"], alias=str(item.get("alias") or "")))
    return tuple(rules)


def _event_types(raw: Any) -> tuple[str, ...]:
    types = _strings(raw, "pathsFilter__includeEventTypes")
    for item in types:
        if item not in EVENT_TYPES:
            raise QueryError(
                f"Unknown path type {item!r}; use {', '.join(EVENT_TYPES)}.",
                attr="pathsFilter__includeEventTypes",
            )
    return types


def _hogql_expression(raw: dict[str, Any], types: tuple[str, ...]) -> str | None:
    if "hogql" not in types:
        return None
    expression = raw.get("pathsHogQLExpression")
    if not isinstance(expression, str) or not expression.strip():
        raise QueryError(
            "includeEventTypes hogql needs pathsHogQLExpression.", attr="pathsFilter__pathsHogQLExpression"
        )
    return expression


def paths_options(query: dict[str, Any]) -> PathsOptions:
    """Parse and validate a ``PathsQuery`` node."""
    raw = query.get("pathsFilter") or {}
    if not isinstance(raw, dict):
        raise QueryError("pathsFilter must be an object.", attr="pathsFilter")
    if query.get("funnelPathsFilter"):
        raise QueryError("Funnel paths are not supported.", attr="funnelPathsFilter")
    if query.get("aggregation_group_type_index") is not None:
        # Paths are walked per person; answering person paths for groups would be wrong.
        raise QueryError("Paths of groups are not supported.", attr="aggregation_group_type_index")
    step_limit = _int(raw.get("stepLimit"), "pathsFilter__stepLimit", minimum=1, maximum=MAX_STEP_LIMIT)
    edge_limit = _int(raw.get("edgeLimit"), "pathsFilter__edgeLimit", minimum=1, maximum=2**63 - 1)
    if edge_limit is not None:
        check_at_most(
            edge_limit, name="QUERY_MAX_PATHS_EDGES", attr="pathsFilter__edgeLimit", default=MAX_EDGE_LIMIT
        )
    types = _event_types(raw.get("includeEventTypes"))
    return PathsOptions(
        include_event_types=types,
        hogql_expression=_hogql_expression(raw, types),
        start_point=_point(raw.get("startPoint"), "pathsFilter__startPoint"),
        end_point=_point(raw.get("endPoint"), "pathsFilter__endPoint"),
        step_limit=step_limit or DEFAULT_STEP_LIMIT,
        edge_limit=edge_limit or DEFAULT_EDGE_LIMIT,
        min_edge_weight=_int(
            raw.get("minEdgeWeight"), "pathsFilter__minEdgeWeight", minimum=0, maximum=2**62
        ),
        max_edge_weight=_int(
            raw.get("maxEdgeWeight"), "pathsFilter__maxEdgeWeight", minimum=0, maximum=2**62
        ),
        exclude_events=_strings(raw.get("excludeEvents"), "pathsFilter__excludeEvents"),
        path_groupings=_strings(raw.get("pathGroupings"), "pathsFilter__pathGroupings"),
        path_replacements=bool(raw.get("pathReplacements")),
        local_cleaning=cleaning_rules(
            raw.get("localPathCleaningFilters"), "pathsFilter__localPathCleaningFilters"
        ),
        date_range=parse_date_range(query.get("dateRange")),
        properties=parse_properties(query.get("properties")),
        filter_test_accounts=bool(query.get("filterTestAccounts")),
    )
