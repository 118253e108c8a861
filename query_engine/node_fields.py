"""Which fields an insight query node may carry, and the options accepted but not built.

PostHog's query schema forbids unknown fields (``additionalProperties: false``), so a
misspelt or invented field is a 400 naming it rather than a field silently dropped.
Fields PostHog knows but this engine does not compute are refused by name too, until
they are built: answering without them would give numbers PostHog would not.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError

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


def _shown(name: Any) -> str:
    return str(name)[:60]


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
