"""Which fields an insight query node may carry, and the options accepted but not built.

PostHog's query schema forbids unknown fields (``additionalProperties: false``), so a
misspelt or invented field is a 400 naming it rather than a field silently dropped; the
objects a node nests (series, filters, breakdowns, date ranges …) are checked the same way
against ``node_schema`` (generated from PostHog's published schema), ``attr`` naming the
path (``breakdownFilter__breakdowns__0__bogus``).
Fields PostHog knows but this engine does not compute are refused by name too, until
they are built: answering without them would give numbers PostHog would not.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.node_schema import SCHEMAS

_COMMON = frozenset(
    {
        "kind",
        "dateRange",
        "filterTestAccounts",
        "properties",
        "modifiers",
        "response",
        "samplingFactor",
        "tags",
        "version",
        "dataColorTheme",
    }
)

# Top-level fields of each insight node kind, as PostHog's schema lists them.
NODE_FIELDS: dict[str, frozenset[str]] = {
    "TrendsQuery": _COMMON
    | {
        "aggregation_group_type_index",
        "breakdownFilter",
        "compareFilter",
        "conversionGoal",
        "interval",
        "series",
        "trendsFilter",
    },
    "FunnelsQuery": _COMMON
    | {"aggregation_group_type_index", "breakdownFilter", "funnelsFilter", "interval", "series"},
    "RetentionQuery": _COMMON | {"aggregation_group_type_index", "breakdownFilter", "retentionFilter"},
    "StickinessQuery": _COMMON | {"compareFilter", "interval", "intervalCount", "series", "stickinessFilter"},
    "LifecycleQuery": _COMMON | {"aggregation_group_type_index", "interval", "lifecycleFilter", "series"},
    "PathsQuery": _COMMON | {"aggregation_group_type_index", "funnelPathsFilter", "pathsFilter"},
    "FunnelCorrelationQuery": frozenset(
        {
            "kind",
            "response",
            "source",
            "version",
            "funnelCorrelationEventExcludePropertyNames",
            "funnelCorrelationEventNames",
            "funnelCorrelationExcludeEventNames",
            "funnelCorrelationExcludeNames",
            "funnelCorrelationNames",
            "funnelCorrelationType",
        }
    ),
}

# Options PostHog computes that this engine does not yet: (object field, option) → why.
NOT_BUILT: dict[tuple[str, str], str] = {
    (
        "retentionFilter",
        "aggregationType",
    ): "Retention aggregation other than counting is not supported.",
    ("retentionFilter", "aggregationProperty"): "Retention aggregation by a property is not supported.",
    ("retentionFilter", "retentionCustomBrackets"): "Custom retention brackets are not supported.",
    ("trendsFilter", "breakdown_histogram_bin_count"): (
        "Histogram bins are set in breakdownFilter.breakdown_histogram_bin_count."
    ),
}


# Fields beyond PostHog's schema that this engine honours (legacy filters carry them).
ACCEPTED_EXTRA: dict[str, frozenset[str]] = {"CohortPropertyFilter": frozenset({"negation"})}


def _shown(name: Any) -> str:
    return str(name)[:60]


def _select(value: dict[str, Any], names: list[str]) -> list[str]:
    """The schemas of a union that ``value`` may be, chosen by its ``kind`` then its ``type``.

    A value naming a ``kind``/``type`` no candidate has selects none (the kind's parser
    refuses it by name); a value naming neither keeps every candidate (their fields' union).
    """
    for field, declared in (("kind", "kinds"), ("type", "types")):
        chosen = value.get(field)
        if isinstance(chosen, str) and any(SCHEMAS[name][declared] for name in names):
            names = [name for name in names if chosen in SCHEMAS[name][declared]]
    return names


def _field_shape(names: list[str], field: str) -> dict[str, Any] | None:
    shapes = [shape for name in names if (shape := SCHEMAS[name]["fields"].get(field))]
    if len(shapes) <= 1:
        return shapes[0] if shapes else None
    merged: dict[str, Any] = {"objects": sorted({n for shape in shapes for n in shape.get("objects", ())})}
    for key in ("items", "values"):
        inner = [shape[key] for shape in shapes if key in shape]
        if inner:
            merged[key] = inner[0]
    return merged


def _check_object(value: dict[str, Any], names: list[str], path: str) -> None:
    allowed = {field for name in names for field in SCHEMAS[name]["fields"]}
    allowed |= {field for name in names for field in ACCEPTED_EXTRA.get(name, ())}
    for field, item in value.items():
        if field not in allowed:
            where = path.replace("__", ".")
            raise QueryError(
                f"Unknown field {_shown(field)!r} in {where}.",
                attr=f"{path}__{_shown(field)}",
                code="unknown_field",
            )
        check_nested(item, _field_shape(names, field), f"{path}__{field}")


def check_nested(value: Any, shape: dict[str, Any] | None, path: str) -> None:
    """400 for a field an object nested at ``path`` does not have (``attr`` is its path)."""
    if shape is None:
        return
    if isinstance(value, list) and "items" in shape:
        for index, item in enumerate(value):
            check_nested(item, shape["items"], f"{path}__{index}")
    elif isinstance(value, dict) and shape.get("objects"):
        names = _select(value, shape["objects"])
        if names:
            _check_object(value, names, path)
    elif isinstance(value, dict) and "values" in shape:
        for key, item in value.items():
            check_nested(item, shape["values"], f"{path}__{_shown(key)}")


def check_node_fields(node: dict[str, Any]) -> None:
    """400 for a field the node's kind does not have, or an option not built."""
    allowed = NODE_FIELDS.get(str(node.get("kind")))
    if allowed is None:
        return
    for name in node:
        if name not in allowed:
            raise QueryError(
                f"Unknown field {_shown(name)!r} for {node['kind']}.", attr=_shown(name), code="unknown_field"
            )
    fields = SCHEMAS[node["kind"]]["fields"] if node["kind"] in SCHEMAS else {}
    for name, value in node.items():
        check_nested(value, fields.get(name), name)
    for (parent, option), detail in NOT_BUILT.items():
        raw = node.get(parent)
        if isinstance(raw, dict) and raw.get(option) not in (None, "", [], {}):
            raise QueryError(detail, attr=f"{parent}__{option}")
    mode = (node.get("retentionFilter") or {}) if isinstance(node.get("retentionFilter"), dict) else {}
    if mode.get("timeWindowMode") not in (None, "strict_calendar_dates"):
        raise QueryError(
            "Only timeWindowMode strict_calendar_dates is supported (periods are calendar periods).",
            attr="retentionFilter__timeWindowMode",
        )
    count = node.get("intervalCount")
    if node.get("kind") == "StickinessQuery" and count is not None and count != 1:
        # PostHog groups that many intervals into one period (its cohort calculations use it).
        raise QueryError("intervalCount other than 1 is not supported.", attr="intervalCount")
    source = node.get("source")
    if node.get("kind") == "FunnelCorrelationQuery" and isinstance(source, dict):
        check_node_fields(source)
    series = node.get("series")
    if node.get("kind") == "FunnelsQuery" and isinstance(series, list):
        for index, step in enumerate(series):
            if isinstance(step, dict) and step.get("optionalInFunnel"):
                raise QueryError(
                    "Optional funnel steps are not supported.", attr=f"series__{index}__optionalInFunnel"
                )
