"""The internal query model: pure dataclasses every insight kind computes from.

Query nodes (``TrendsQuery`` …) and legacy filter dicts both become these
(see ``query_engine.nodes`` and ``query_engine.legacy``); SQL builders and
runners only ever read these objects, never raw request JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BREAKDOWN_NULL = "$$_posthog_breakdown_null_$$"
BREAKDOWN_OTHER = "$$_posthog_breakdown_other_$$"

PROPERTY_TYPES = ("event", "person", "session", "cohort", "element", "group", "hogql")


@dataclass(frozen=True)
class PropertyFilter:
    """One leaf filter: ``type`` says where ``key`` is read from."""

    key: str
    value: Any
    operator: str = "exact"
    type: str = "event"
    group_type_index: int | None = None


@dataclass(frozen=True)
class PropertyGroup:
    """AND/OR of filters and groups; an empty group is TRUE."""

    type: str = "AND"
    values: tuple[PropertyFilter | PropertyGroup, ...] = ()

    def is_empty(self) -> bool:
        return all(isinstance(v, PropertyGroup) and v.is_empty() for v in self.values)


EMPTY_GROUP = PropertyGroup()


@dataclass(frozen=True)
class ActionStep:
    """One OR-branch of an action; absent parts match anything."""

    event: str | None = None
    url: str | None = None
    url_matching: str = "contains"
    properties: PropertyGroup = EMPTY_GROUP
    # Autocapture matchers against ``elements_chain`` (``sql/elements.py``).
    selector: str | None = None
    tag_name: str | None = None
    text: str | None = None
    text_matching: str = "exact"
    href: str | None = None
    href_matching: str = "exact"


@dataclass(frozen=True)
class ActionDef:
    id: int
    name: str
    steps: tuple[ActionStep, ...] | None  # None = unknown action (matches nothing)


@dataclass(frozen=True)
class Series:
    """An ``EventsNode``/``ActionsNode``, or a ``GroupNode`` combining several of them into
    one series: what to count and how to aggregate it."""

    kind: str  # "events" | "actions" | "group"
    event: str | None = None  # events: None = all events
    action_id: int | None = None
    name: str | None = None
    custom_name: str | None = None
    math: str = "total"
    math_property: str | None = None
    math_property_type: str | None = None
    math_group_type_index: int | None = None
    properties: PropertyGroup = EMPTY_GROUP
    order: int = 0
    math_hogql: str | None = None  # the aggregate expression of ``math: "hogql"``
    math_multiplier: float | None = None  # property maths: each value times this
    nodes: tuple[Series, ...] = ()  # group: the events/actions an event may match …
    operator: str = "OR"  # … any of them (OR) or all of them (AND)


@dataclass(frozen=True)
class Breakdown:
    property: str | int | list[Any]
    type: str = "event"
    limit: int = 25
    hide_other: bool = False
    normalize_url: bool = False
    group_type_index: int | None = None
    histogram_bin_count: int | None = None
    # Multi-breakdown (``breakdowns``): further (property, type, normalize_url)
    # after the first; values are then lists, one entry per breakdown.
    extra: tuple[tuple[str, str, bool], ...] = ()
    multi: bool = False

    def cohorts(self) -> list[Any]:
        """A cohort breakdown's values: cohort ids and ``"all"``."""
        return list(self.property) if isinstance(self.property, list) else [self.property]

    def parts(self) -> list[tuple[str, str, bool]]:
        return [(str(self.property), self.type, self.normalize_url), *self.extra]


@dataclass(frozen=True)
class DateRange:
    date_from: str | None = None
    date_to: str | None = None
    explicit: bool = False


@dataclass(frozen=True)
class Formula:
    formula: str
    custom_name: str | None = None


@dataclass(frozen=True)
class SeriesSpec:
    """Fields every series-based insight shares (trends, stickiness, lifecycle); each kind's
    spec (``runners/<kind>/spec.py``) extends it with its own fields."""

    kind: str
    series: tuple[Series, ...]
    date_range: DateRange = DateRange()
    interval: str = "day"
    properties: PropertyGroup = EMPTY_GROUP
    filter_test_accounts: bool = False
    compare: bool = False
    compare_to: str | None = None


TOTAL_VALUE_DISPLAYS = (
    "BoldNumber",
    "ActionsPie",
    "ActionsBarValue",
    "ActionsTable",
    "WorldMap",
    "CalendarHeatmap",
)
TIME_SERIES_DISPLAYS = (
    "ActionsLineGraph",
    "ActionsBar",
    "ActionsStackedBar",
    "ActionsUnstackedBar",
    "ActionsAreaGraph",
    "ActionsLineGraphCumulative",
)
