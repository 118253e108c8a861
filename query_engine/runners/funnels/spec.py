"""``FunnelsQuery`` → ``FunnelSpec``: defaults and the 400s of engine.md §3.1."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from query_engine.dates import INTERVALS
from query_engine.errors import QueryError
from query_engine.model import EMPTY_GROUP, DateRange, PropertyGroup, Series
from query_engine.nodes import (
    MAX_BREAKDOWN_COHORTS,
    cohort_values,
    parse_date_range,
    parse_properties,
    parse_series,
)
from query_engine.sql.groups import group_index

ORDER_TYPES = ("ordered", "strict", "unordered")
VIZ_TYPES = ("steps", "trends", "time_to_convert")
ATTRIBUTION_TYPES = ("first_touch", "last_touch", "all_events", "step")
# Window units in seconds; month is 31 days, as PostHog's UDF engine counts it.
WINDOW_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 31 * 86400}
BREAKDOWN_TYPES = ("event", "person", "hogql", "session", "group")
DEFAULT_WINDOW_DAYS = 14
DEFAULT_BREAKDOWN_LIMIT = 25
MAX_STEPS = 30  # steps and exclusions share one 64-bit mask per event


@dataclass(frozen=True)
class ExclusionSpec:
    series: Series
    from_step: int
    to_step: int


@dataclass(frozen=True)
class FunnelBreakdown:
    properties: tuple[str, ...]
    type: str = "event"
    limit: int = DEFAULT_BREAKDOWN_LIMIT
    normalize_url: bool = False
    group_type_index: int | None = None  # breakdown_type "group": the group type read


@dataclass
class FunnelSpec:
    """A validated funnel: every field has its PostHog default filled in."""

    series: list[Series]
    date_range: DateRange = field(default_factory=DateRange)
    interval: str = "day"
    properties: PropertyGroup = EMPTY_GROUP
    filter_test_accounts: bool = False
    viz_type: str = "steps"
    order: str = "ordered"
    window_seconds: int = DEFAULT_WINDOW_DAYS * 86400
    exclusions: list[ExclusionSpec] = field(default_factory=list)
    breakdown: FunnelBreakdown | None = None
    attribution: str = "first_touch"
    attribution_step: int | None = None
    from_step: int = 0
    to_step: int | None = None
    bin_count: int | None = None
    aggregation_group_type_index: int | None = None
    aggregate_by_hogql: str | None = None  # the actor expression (``properties.$session_id``)

    @property
    def last_step(self) -> int:
        return len(self.series) - 1


NODE_KINDS = {
    "FunnelExclusionEventsNode": "EventsNode",
    "FunnelExclusionActionsNode": "ActionsNode",
}


def _step(raw: Any, index: int, attr: str) -> Series:
    """A step or exclusion node; step maths other than counting actors do not apply to funnels."""
    if not isinstance(raw, dict):
        raise QueryError("Each step must be an object.", attr=attr)
    kind = NODE_KINDS.get(str(raw.get("kind")), raw.get("kind"))
    return parse_series({**raw, "kind": kind, "math": None}, index, attr, kind="FunnelsQuery")


def _int(value: Any, attr: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{attr.split('__')[-1]} must be an integer.", attr=attr) from None


def _choice(value: Any, allowed: tuple[str, ...], default: str, attr: str) -> str:
    if value in (None, ""):
        return default
    if value not in allowed:
        raise QueryError(f"{attr.split('__')[-1]} must be one of {', '.join(allowed)}.", attr=attr)
    return str(value)


def window_seconds(funnels: dict[str, Any]) -> int:
    interval = funnels.get("funnelWindowInterval")
    unit = _choice(funnels.get("funnelWindowIntervalUnit"), tuple(WINDOW_UNITS), "day", "funnelsFilter__unit")
    if interval in (None, ""):
        return DEFAULT_WINDOW_DAYS * 86400
    number = _int(interval, "funnelsFilter__funnelWindowInterval")
    if number < 1:
        raise QueryError(
            "funnelWindowInterval must be at least 1.", attr="funnelsFilter__funnelWindowInterval"
        )
    return number * WINDOW_UNITS[unit]


def _exclusions(raw: Any, steps: list[Series]) -> list[ExclusionSpec]:
    result = []
    for index, item in enumerate(raw or []):
        attr = f"funnelsFilter__exclusions__{index}"
        if not isinstance(item, dict):
            raise QueryError("Each exclusion must be an object.", attr=attr)
        series = _step(item, index, attr)
        start = _int(item.get("funnelFromStep", 0), f"{attr}__funnelFromStep")
        end = _int(item.get("funnelToStep", len(steps) - 1), f"{attr}__funnelToStep")
        if start >= end:
            raise QueryError(
                "Exclusion event range is invalid. End of range should be greater than start.", attr=attr
            )
        if start >= len(steps) - 1 or end > len(steps) - 1 or start < 0:
            raise QueryError(
                "Exclusion event range is invalid. Start and end steps must be inside the funnel.", attr=attr
            )
        for step in steps[start : end + 1]:
            if _same_entity(step, series) and _covers(series.properties, step.properties):
                raise QueryError(
                    "Exclusion steps cannot contain an event that's part of funnel steps.", attr=attr
                )
        result.append(ExclusionSpec(series, start, end))
    return result


def _same_entity(a: Series, b: Series) -> bool:
    return a.kind == b.kind and a.event == b.event and a.action_id == b.action_id


def _covers(exclusion: PropertyGroup, step: PropertyGroup) -> bool:
    """An exclusion with no filters (or the step's own filters) matches every step event."""
    return exclusion.is_empty() or exclusion == step


def _breakdown(raw: Any) -> FunnelBreakdown | None:
    if not isinstance(raw, dict):
        return None
    if raw.get("breakdown_histogram_bin_count") is not None:
        raise QueryError(
            "Histogram bins are not supported in funnels.",
            attr="breakdownFilter__breakdown_histogram_bin_count",
        )
    prop = raw.get("breakdown")
    kind = raw.get("breakdown_type") or "event"
    normalize = bool(raw.get("breakdown_normalize_url"))
    multi = raw.get("breakdowns")
    from_list = False
    if prop in (None, "", []) and isinstance(multi, list) and multi:
        from_list = True
        if len(multi) > 1:
            raise QueryError("Funnels take a single breakdown.", attr="breakdownFilter__breakdowns")
        first = multi[0] if isinstance(multi[0], dict) else {}
        if first.get("histogram_bin_count") is not None:
            raise QueryError(
                "Histogram bins are not supported in funnels.",
                attr="breakdownFilter__breakdowns__0__histogram_bin_count",
            )
        prop, kind = first.get("property"), first.get("type") or "event"
        normalize = bool(first.get("normalize_url"))
    if prop in (None, "", []):
        return None
    if kind == "cohort":
        # Cohort ids (as text) and "all": one funnel per cohort, no limit (funnels/cohorts.py).
        values = tuple(str(v) for v in cohort_values(prop))
        return FunnelBreakdown(values, "cohort", MAX_BREAKDOWN_COHORTS)
    kind = "event" if kind == "events" else kind
    if kind not in BREAKDOWN_TYPES:
        raise QueryError(f"breakdown_type {kind!r} is not supported.", attr="breakdownFilter__breakdown_type")
    props = tuple(str(p) for p in prop) if isinstance(prop, list) else (str(prop),)
    limit = raw.get("breakdown_limit")
    limit = (
        DEFAULT_BREAKDOWN_LIMIT if limit in (None, "") else _int(limit, "breakdownFilter__breakdown_limit")
    )
    if limit < 1:
        raise QueryError("breakdown_limit must be at least 1.", attr="breakdownFilter__breakdown_limit")
    group_type = None
    if kind == "group":
        if from_list:
            raise QueryError(
                "Group breakdowns take breakdown_type and breakdown_group_type_index, not breakdowns.",
                attr="breakdownFilter__breakdowns",
            )
        group_type = group_index(
            raw.get("breakdown_group_type_index"), "breakdownFilter__breakdown_group_type_index"
        )
    return FunnelBreakdown(props, kind, limit, normalize, group_type)


def _steps_range(spec: FunnelSpec, funnels: dict[str, Any]) -> None:
    if funnels.get("funnelFromStep") not in (None, ""):
        spec.from_step = _int(funnels["funnelFromStep"], "funnelsFilter__funnelFromStep")
    if funnels.get("funnelToStep") not in (None, ""):
        spec.to_step = _int(funnels["funnelToStep"], "funnelsFilter__funnelToStep")
    to_step = spec.last_step if spec.to_step is None else spec.to_step
    if not 0 <= spec.from_step < to_step <= spec.last_step:
        raise QueryError(
            "funnelFromStep and funnelToStep must be steps of the funnel, from before to.",
            attr="funnelsFilter__funnelToStep"
            if spec.to_step is not None
            else "funnelsFilter__funnelFromStep",
        )
    spec.to_step = to_step


def _attribution(spec: FunnelSpec, funnels: dict[str, Any]) -> None:
    spec.attribution = _choice(
        funnels.get("breakdownAttributionType"),
        ATTRIBUTION_TYPES,
        "first_touch",
        "funnelsFilter__breakdownAttributionType",
    )
    if spec.attribution != "step":
        return
    value = funnels.get("breakdownAttributionValue")
    step = 0 if value in (None, "") else _int(value, "funnelsFilter__breakdownAttributionValue")
    if not 0 <= step <= spec.last_step or (spec.order == "unordered" and step != 0):
        raise QueryError(
            "breakdownAttributionValue must be a step of the funnel (only the first for unordered funnels).",
            attr="funnelsFilter__breakdownAttributionValue",
        )
    spec.attribution_step = step


def funnel_spec(query: dict[str, Any]) -> FunnelSpec:
    """Validate a ``FunnelsQuery`` node."""
    raw_series = query.get("series")
    if not isinstance(raw_series, list) or len(raw_series) < 2:
        raise QueryError("Funnels need at least two steps.", attr="series")
    if len(raw_series) > MAX_STEPS:
        raise QueryError(f"Funnels take at most {MAX_STEPS} steps.", attr="series")
    series = [_step(s, i, f"series__{i}") for i, s in enumerate(raw_series)]
    funnels = query.get("funnelsFilter") or {}
    if not isinstance(funnels, dict):
        raise QueryError("funnelsFilter must be an object.", attr="funnelsFilter")
    interval = query.get("interval") or "day"
    if interval not in INTERVALS:
        raise QueryError(f"Unknown interval {interval!r}.", attr="interval")
    group_index = query.get("aggregation_group_type_index")
    spec = FunnelSpec(
        series=series,
        date_range=parse_date_range(query.get("dateRange")),
        interval=interval,
        properties=parse_properties(query.get("properties")),
        filter_test_accounts=bool(query.get("filterTestAccounts")),
        viz_type=_choice(funnels.get("funnelVizType"), VIZ_TYPES, "steps", "funnelsFilter__funnelVizType"),
        order=_choice(
            funnels.get("funnelOrderType"), ORDER_TYPES, "ordered", "funnelsFilter__funnelOrderType"
        ),
        window_seconds=window_seconds(funnels),
        breakdown=_breakdown(query.get("breakdownFilter")),
        aggregation_group_type_index=None
        if group_index in (None, "")
        else _int(group_index, "aggregation_group_type_index"),
    )
    if spec.aggregation_group_type_index is not None and not 0 <= spec.aggregation_group_type_index <= 4:
        raise QueryError(
            "aggregation_group_type_index must be between 0 and 4.", attr="aggregation_group_type_index"
        )
    by_hogql = funnels.get("funnelAggregateByHogQL")
    if by_hogql not in (None, "", "person_id"):
        if not isinstance(by_hogql, str):
            raise QueryError(
                "funnelAggregateByHogQL must be a HogQL expression.",
                attr="funnelsFilter__funnelAggregateByHogQL",
            )
        if spec.aggregation_group_type_index is not None:
            raise QueryError(
                "Use either funnelAggregateByHogQL or aggregation_group_type_index.",
                attr="funnelsFilter__funnelAggregateByHogQL",
            )
        spec.aggregate_by_hogql = by_hogql
    spec.exclusions = _exclusions(funnels.get("exclusions"), series)
    if spec.order == "unordered" and any(
        x.from_step != 0 or x.to_step != spec.last_step for x in spec.exclusions
    ):
        raise QueryError(
            "Partial Exclusions not allowed in unordered funnels", attr="funnelsFilter__exclusions"
        )
    _steps_range(spec, funnels)
    _attribution(spec, funnels)
    if funnels.get("binCount") not in (None, ""):
        spec.bin_count = _int(funnels["binCount"], "funnelsFilter__binCount")
    return spec
