"""Parsing the parts query nodes share: property filters, series, date ranges, breakdowns.

Each kind's spec parser (``runners/<kind>/spec.py``) builds on these.
Validation lives here: a bad field is a 400 whose ``attr`` names it.
Property filters that are malformed are ignored (treated as TRUE), as PostHog does.
"""

from __future__ import annotations

import math
from typing import Any

from query_engine.dates import INTERVALS, is_valid_date
from query_engine.errors import QueryError
from query_engine.model import (
    EMPTY_GROUP,
    PROPERTY_TYPES,
    Breakdown,
    DateRange,
    PropertyFilter,
    PropertyGroup,
    Series,
)
from query_engine.node_fields import check_nested
from query_engine.sql.groups import group_index
from query_engine.sql.properties import OPERATORS

MATHS = (
    "total",
    "dau",
    "weekly_active",
    "monthly_active",
    "unique_session",
    "unique_group",
    "first_time_for_user",
    "first_matching_event_for_user",
    "sum",
    "avg",
    "min",
    "max",
    "median",
    "p75",
    "p90",
    "p95",
    "p99",
    "avg_count_per_actor",
    "min_count_per_actor",
    "max_count_per_actor",
    "median_count_per_actor",
    "p75_count_per_actor",
    "p90_count_per_actor",
    "p95_count_per_actor",
    "p99_count_per_actor",
    "hogql",
)
PROPERTY_MATHS = ("sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99")
STICKINESS_MATHS = ("dau", "weekly_active", "monthly_active", "unique_group")
BREAKDOWN_TYPES = ("event", "person", "hogql", "group")
# Breakdowns on session fields need the insight's session join (trends, funnels, retention).
SESSION_BREAKDOWN_TYPES = (*BREAKDOWN_TYPES, "session")
# A breakdowns list names no group type per item: group breakdowns are single only.
MULTI_BREAKDOWN_EXCLUDED = ("group",)
# Cohort breakdowns (a list of cohort ids and/or "all"): kinds that compute one run per cohort.
MAX_BREAKDOWN_COHORTS = 50
ALL_USERS = "all"


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def integer(value: Any, attr: str, *, minimum: int | None = None) -> int:
    """``value`` as an integer that fits in 64 bits (what every store can hold), else a 400."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise QueryError(f"{attr.split('__')[-1]} must be an integer.", attr=attr) from None
    if not INT64_MIN <= number <= INT64_MAX:
        raise QueryError(f"{attr.split('__')[-1]} must fit in 64 bits.", attr=attr)
    if minimum is not None and number < minimum:
        raise QueryError(f"{attr.split('__')[-1]} must be at least {minimum}.", attr=attr)
    return number


def parse_properties(raw: Any, attr: str = "properties") -> PropertyGroup:
    """A list (AND) or an AND/OR group tree of property filters.

    Nothing is dropped: a filter the engine cannot apply (unknown ``type`` or
    ``operator``, no ``key``, not an object) is a ``QueryError`` naming it by ``attr``,
    since answering without it would give unfiltered numbers.
    """
    if raw in (None, "", [], {}):
        return EMPTY_GROUP
    if isinstance(raw, list):
        return PropertyGroup("AND", tuple(_parse_item(item, f"{attr}__{i}") for i, item in enumerate(raw)))
    item = _parse_item(raw, attr)
    if isinstance(item, PropertyGroup):
        return item
    return PropertyGroup("AND", (item,))


def _parse_item(raw: Any, attr: str) -> PropertyFilter | PropertyGroup:
    if not isinstance(raw, dict):
        raise QueryError("Each property filter must be an object.", attr=attr)
    kind = raw.get("type")
    if kind in ("AND", "OR") and "values" in raw:
        values = raw.get("values") or []
        if not isinstance(values, list):
            raise QueryError("values must be a list of property filters.", attr=f"{attr}__values")
        return PropertyGroup(
            kind, tuple(_parse_item(item, f"{attr}__values__{i}") for i, item in enumerate(values))
        )
    key = raw.get("key")
    operator = raw.get("operator") or "exact"
    kind = kind or "event"
    if key is None or isinstance(key, dict | list):
        raise QueryError("A property filter needs a key.", attr=f"{attr}__key")
    if not isinstance(kind, str) or kind not in PROPERTY_TYPES:
        shown = str(kind)[:60]
        raise QueryError(f"Property filter type {shown!r} is not supported.", attr=f"{attr}__type")
    if not isinstance(operator, str) or operator not in OPERATORS:
        shown = str(operator)[:60]
        raise QueryError(f"Property filter operator {shown!r} is not supported.", attr=f"{attr}__operator")
    if kind == "cohort" and raw.get("negation"):
        operator = "not_in"
    return PropertyFilter(
        key=str(key),
        value=raw.get("value"),
        operator=operator,
        type=kind,
        # A group filter reads the properties of the event's group of this type.
        group_type_index=group_index(raw.get("group_type_index"), f"{attr}__group_type_index")
        if kind == "group"
        else None,
    )


def _multiplier(value: Any, attr: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise QueryError("math_multiplier must be a finite number.", attr=attr)
    return float(value)


def _group_index(raw: dict[str, Any], attr: str) -> int | None:
    """A group type index when given (0-4, else a 400: an unknown one must not be dropped)."""
    value = raw.get("math_group_type_index")
    return None if value is None else group_index(value, attr)


def parse_series(raw: Any, index: int, attr: str, *, kind: str) -> Series:
    if not isinstance(raw, dict):
        raise QueryError("Each series must be an object.", attr=attr)
    node_kind = raw.get("kind")
    math = raw.get("math") or "total"
    if math not in MATHS:
        raise QueryError(f"Unknown math {math!r}.", attr=f"{attr}__math")
    if math in PROPERTY_MATHS and not raw.get("math_property"):
        raise QueryError(f"math {math!r} needs math_property.", attr=f"{attr}__math_property")
    if math == "hogql" and not (isinstance(raw.get("math_hogql"), str) and raw["math_hogql"].strip()):
        raise QueryError(
            'math "hogql" needs math_hogql, an aggregate expression.', attr=f"{attr}__math_hogql"
        )
    if kind == "StickinessQuery" and math not in STICKINESS_MATHS:
        math = "dau"
    common: dict[str, Any] = {
        "name": raw.get("name"),
        "custom_name": raw.get("custom_name"),
        "math": math,
        "math_property": raw.get("math_property"),
        "math_property_type": raw.get("math_property_type"),
        "math_multiplier": _multiplier(raw.get("math_multiplier"), f"{attr}__math_multiplier"),
        "math_group_type_index": _group_index(raw, f"{attr}__math_group_type_index"),
        "math_hogql": raw.get("math_hogql") if math == "hogql" else None,
        "properties": _series_properties(raw, attr),
        "order": index,
    }
    if math == "unique_group":
        # Counting groups needs to know which: counting persons instead would be wrong.
        common["math_group_type_index"] = group_index(
            raw.get("math_group_type_index"), f"{attr}__math_group_type_index"
        )
    if node_kind == "ActionsNode":
        return Series(kind="actions", action_id=integer(raw.get("id"), f"{attr}__id"), **common)
    if node_kind == "GroupNode":
        return _group_node(raw, index, attr, kind=kind, common=common)
    if node_kind != "EventsNode":
        raise QueryError(f"Unsupported series kind {node_kind!r}.", attr=f"{attr}__kind")
    event = raw.get("event")
    if event is not None and not isinstance(event, str):
        raise QueryError("event must be a string or null.", attr=f"{attr}__event")
    return Series(kind="events", event=event, **common)


def _series_properties(raw: dict[str, Any], attr: str) -> PropertyGroup:
    """A series' ``properties`` and ``fixedProperties`` (filters a client pins): both apply."""
    own = parse_properties(raw.get("properties"), f"{attr}__properties")
    fixed = parse_properties(raw.get("fixedProperties"), f"{attr}__fixedProperties")
    if not fixed.values:
        return own
    return PropertyGroup("AND", (own, fixed)) if own.values else fixed


# GroupNode's own fields: a series' fields, with ``nodes`` and ``operator`` in place of ``event``.
GROUP_NODE_FIELDS = frozenset(
    {
        "kind",
        "nodes",
        "operator",
        "name",
        "custom_name",
        "math",
        "math_property",
        "math_property_type",
        "math_group_type_index",
        "math_hogql",
        "math_multiplier",
        "properties",
        "fixedProperties",
        "response",
        "version",
    }
)
GROUP_NODE_KINDS = frozenset({"TrendsQuery"})
GROUP_NODE_OPERATORS = frozenset({"AND", "OR"})


def _group_node(raw: dict[str, Any], index: int, attr: str, *, kind: str, common: dict[str, Any]) -> Series:
    """A ``GroupNode``: one series counting the events that match its ``nodes`` (each an
    event or action with its own property filters), combined by ``operator``."""
    if kind not in GROUP_NODE_KINDS:
        raise QueryError(
            f"GroupNode series are supported in TrendsQuery only, not {kind}.", attr=f"{attr}__kind"
        )
    for name in raw:
        if name not in GROUP_NODE_FIELDS:
            raise QueryError(
                f"Unknown field {str(name)[:60]!r} in GroupNode.", attr=f"{attr}__{str(name)[:60]}"
            )
    operator = raw.get("operator")
    if operator not in GROUP_NODE_OPERATORS:
        raise QueryError("operator must be AND or OR.", attr=f"{attr}__operator")
    raw_nodes = raw.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise QueryError(
            "nodes must list the EventsNode/ActionsNode objects to combine.", attr=f"{attr}__nodes"
        )
    nodes = []
    for j, node in enumerate(raw_nodes):
        node_attr = f"{attr}__nodes__{j}"
        if not isinstance(node, dict) or node.get("kind") not in ("EventsNode", "ActionsNode"):
            raise QueryError("Each node must be an EventsNode or an ActionsNode.", attr=f"{node_attr}__kind")
        if node.get("math") not in (None, "total", common["math"]):
            # The group's math counts the combined events; a node's own math would be ignored.
            raise QueryError("A node's math must be the group's.", attr=f"{node_attr}__math")
        check_nested(node, {"objects": ["ActionsNode", "EventsNode"]}, node_attr)
        nodes.append(parse_series({**node, "math": None}, j, node_attr, kind=kind))
    return Series(kind="group", nodes=tuple(nodes), operator=operator, **common)


def parse_date_range(raw: Any) -> DateRange:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise QueryError("dateRange must be an object.", attr="dateRange")
    for key in ("date_from", "date_to"):
        value = raw.get(key)
        if value not in (None, "") and (not isinstance(value, str) or not is_valid_date(value)):
            raise QueryError(f"{key} {value!r} is not a date.", attr=f"dateRange__{key}")
    return DateRange(raw.get("date_from"), raw.get("date_to"), bool(raw.get("explicitDate")))


def _breakdown_type(kind: Any, attr: str, allowed: tuple[str, ...] = BREAKDOWN_TYPES) -> str:
    kind = kind or "event"
    if kind == "events":
        kind = "event"
    if kind not in allowed:
        raise QueryError(f"breakdown_type {kind!r} is not supported.", attr=attr)
    return kind


def _multi_parts(raw: dict[str, Any], allowed: tuple[str, ...]) -> list[tuple[str, str, bool]]:
    multi = raw.get("breakdowns") or []
    if not isinstance(multi, list):
        raise QueryError("breakdowns must be a list.", attr="breakdownFilter__breakdowns")
    parts = []
    for index, item in enumerate(multi[:3]):
        attr = f"breakdownFilter__breakdowns__{index}"
        if not isinstance(item, dict) or item.get("property") in (None, ""):
            raise QueryError("Each breakdown needs a property.", attr=f"{attr}__property")
        if item.get("histogram_bin_count") is not None:
            raise QueryError(
                "Histogram bins are not supported in breakdowns lists.", attr=f"{attr}__histogram_bin_count"
            )
        kind = _breakdown_type(
            item.get("type"), f"{attr}__type", tuple(k for k in allowed if k not in MULTI_BREAKDOWN_EXCLUDED)
        )
        parts.append((str(item["property"]), kind, bool(item.get("normalize_url"))))
    return parts


def cohort_values(raw: Any) -> list[int | str]:
    """``breakdown`` of a cohort breakdown: cohort ids and ``"all"`` (also id 0), in order."""
    attr = "breakdownFilter__breakdown"
    values: list[int | str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        if item in (ALL_USERS, 0, "0"):
            value: int | str = ALL_USERS
        elif isinstance(item, bool) or not (
            isinstance(item, int) or (isinstance(item, str) and item.isascii() and item.isdigit())
        ):
            raise QueryError("A cohort breakdown lists cohort ids and 'all'.", attr=attr)
        else:
            value = integer(item, attr, minimum=1)
        if value not in values:
            values.append(value)
    if len(values) > MAX_BREAKDOWN_COHORTS:
        raise QueryError(f"A cohort breakdown takes at most {MAX_BREAKDOWN_COHORTS} cohorts.", attr=attr)
    return values


def parse_breakdown(
    raw: Any, *, default_limit: int, trends: bool = False, sessions: bool = False, cohorts: bool = False
) -> Breakdown | None:
    """``trends``: session breakdowns and histogram bins are allowed; ``sessions``: session
    breakdowns only (both refused elsewhere); ``cohorts``: the kind computes cohort
    breakdowns (``breakdown_type: cohort``)."""
    if not raw or not isinstance(raw, dict):
        return None
    if raw.get("breakdown_type") == "cohort" and raw.get("breakdown") not in (None, "", []):
        if not cohorts:
            raise QueryError(
                "breakdown_type 'cohort' is not supported for this insight.",
                attr="breakdownFilter__breakdown_type",
            )
        return Breakdown(cohort_values(raw["breakdown"]), "cohort", limit=MAX_BREAKDOWN_COHORTS)
    allowed = SESSION_BREAKDOWN_TYPES if trends or sessions else BREAKDOWN_TYPES
    bins = raw.get("breakdown_histogram_bin_count")
    if bins is not None and not trends:
        raise QueryError(
            "Histogram bins are not supported for this insight.",
            attr="breakdownFilter__breakdown_histogram_bin_count",
        )
    limit = raw.get("breakdown_limit")
    common: dict[str, Any] = {
        "limit": default_limit
        if limit in (None, "")
        else integer(limit, "breakdownFilter__breakdown_limit", minimum=1),
        "hide_other": bool(raw.get("breakdown_hide_other_aggregation")),
    }
    prop = raw.get("breakdown")
    if prop in (None, "", []):
        parts = _multi_parts(raw, allowed)
        if not parts:
            return None
        (first, kind, normalize), *extra = parts
        return Breakdown(first, kind, normalize_url=normalize, extra=tuple(extra), multi=True, **common)
    if isinstance(prop, list | dict):
        raise QueryError("breakdown must be a property name.", attr="breakdownFilter__breakdown")
    kind = _breakdown_type(raw.get("breakdown_type"), "breakdownFilter__breakdown_type", allowed)
    if kind == "group":
        common["group_type_index"] = group_index(
            raw.get("breakdown_group_type_index"), "breakdownFilter__breakdown_group_type_index"
        )
    if bins is not None:
        common["histogram_bin_count"] = integer(
            bins, "breakdownFilter__breakdown_histogram_bin_count", minimum=1
        )
    return Breakdown(str(prop), kind, normalize_url=bool(raw.get("breakdown_normalize_url")), **common)


# Nodes that only wrap the query a runner computes (in their ``source``).
WRAPPER_KINDS = frozenset({"InsightVizNode", "DataVisualizationNode", "DataTableNode"})


def unwrap(query: dict[str, Any]) -> dict[str, Any]:
    """The node a runner computes: a wrapper's ``source``, else the query itself."""
    source = query.get("source")
    if isinstance(query.get("kind"), str) and query["kind"] in WRAPPER_KINDS and isinstance(source, dict):
        return source
    return query


OBJECT_FIELDS = (
    "dateRange",
    "trendsFilter",
    "breakdownFilter",
    "compareFilter",
    "stickinessFilter",
    "lifecycleFilter",
)


def _check_objects(query: dict[str, Any]) -> None:
    for name in OBJECT_FIELDS:
        if query.get(name) is not None and not isinstance(query[name], dict):
            raise QueryError(f"{name} must be an object.", attr=name)


def series_fields(query: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ``SeriesSpec`` fields of a trends, stickiness or lifecycle node."""
    _check_objects(query)
    series_raw = query.get("series")
    if not isinstance(series_raw, list) or not series_raw:
        raise QueryError("series must be a non-empty list.", attr="series")
    interval = query.get("interval") or "day"
    if interval not in INTERVALS:
        raise QueryError(
            f"Unknown interval {interval!r}; use one of {', '.join(INTERVALS)}.", attr="interval"
        )
    compare = query.get("compareFilter") or {}
    if query.get("aggregation_group_type_index") is not None:
        # Counting groups instead of persons is not built; answering with persons would be wrong.
        raise QueryError(
            f"{kind} does not support aggregation_group_type_index.", attr="aggregation_group_type_index"
        )
    return dict(
        kind=kind,
        series=tuple(parse_series(s, i, f"series__{i}", kind=kind) for i, s in enumerate(series_raw)),
        date_range=parse_date_range(query.get("dateRange")),
        interval=interval,
        properties=parse_properties(query.get("properties")),
        filter_test_accounts=bool(query.get("filterTestAccounts")),
        compare=bool(compare.get("compare")) if isinstance(compare, dict) else False,
        compare_to=compare.get("compare_to") if isinstance(compare, dict) else None,
    )
