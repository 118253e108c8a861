"""Paths SQL: per-actor event arrays → sessions → anchored paths → edges, in ClickHouse.

Stages (engine.md §6.2), all inside one statement:

1. events → ``(actor, path item, time in ms)``; the item is the cleaned and
   grouped ``$current_url`` / ``$screen_name`` / event name;
2. per actor, the time-ordered array of ``(item, ms)`` split into sessions at
   gaps of 30 minutes or more (``arraySplit``);
3. per session: consecutive repeats collapse to the last of the run, then the
   start/end anchors and ``step_limit`` cut the path;
4. ``ARRAY JOIN`` the consecutive pairs into edges ``"(n-1)_a" → "n_b"`` and
   aggregate: count and mean time between the two events.

Every value (urls, patterns, anchors, limits) is a bound parameter.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from query_engine.sql.events import and_
from query_engine.sql.json_values import event_property

if TYPE_CHECKING:
    from query_engine.sql.params import Params

PAGEVIEW = "$pageview"
SCREEN = "$screen"
CUSTOM_EVENT = "custom_event"
SESSION_GAP_MS = 30 * 60 * 1000
ELLIPSIS = "..."


@dataclass(frozen=True)
class Cleaning:
    """One path-cleaning rule: ``replaceRegexpAll(item, regex, alias)``."""

    regex: str
    alias: str


@dataclass(frozen=True)
class PathsSql:
    """The compiled inputs of the paths statement.

    ``source``/``actor``/``where`` come from the shared events source (team,
    date range, properties, test accounts). The path options are plain values.
    """

    source: str
    actor: str
    where: str
    include_event_types: tuple[str, ...] = ()
    exclude_items: tuple[str, ...] = ()
    cleaning: tuple[Cleaning, ...] = ()
    groupings: tuple[str, ...] = ()
    start_point: str | None = None
    end_point: str | None = None
    step_limit: int = 5
    edge_limit: int = 50
    min_edge_weight: int | None = None
    max_edge_weight: int | None = None
    hogql_item: str | None = None  # compiled ``pathsHogQLExpression``


def grouping_regex(pattern: str) -> str:
    """A wildcard grouping as a regex: everything literal except ``*`` (any text)."""
    # RE2 takes a backslash before ASCII punctuation only; every other character is literal as it is.
    escaped = "".join("\\" + char if char in string.punctuation and char != "*" else char for char in pattern)
    return escaped.replace("*", ".*")


def _includes(spec: PathsSql, event_type: str) -> bool:
    return not spec.include_event_types or event_type in spec.include_event_types


def raw_item(spec: PathsSql, params: Params) -> str:
    """``$current_url`` without one trailing slash, ``$screen_name``, else the event name;
    with a HogQL path item, that expression's value for every event."""
    if spec.hogql_item is not None:
        return f"ifNull(toString({spec.hogql_item}), '')"
    branches = []
    if _includes(spec, PAGEVIEW):
        url = f"ifNull({event_property('$current_url', params, 'events')}, '')"
        branches.append(f"events.event = {params.add(PAGEVIEW)}, replaceRegexpAll({url}, '(.)/$', '\\\\1')")
    if _includes(spec, SCREEN):
        screen = f"ifNull({event_property('$screen_name', params, 'events')}, '')"
        branches.append(f"events.event = {params.add(SCREEN)}, {screen}")
    if not branches:
        return "events.event"
    return "multiIf(" + ", ".join(branches) + ", events.event)"


def cleaned_item(spec: PathsSql, params: Params) -> str:
    """The raw item after the cleaning rules, applied in order."""
    item = raw_item(spec, params)
    for rule in spec.cleaning:
        item = f"replaceRegexpAll({item}, {params.add(rule.regex)}, {params.add(rule.alias)})"
    return item


def grouped_item(spec: PathsSql, params: Params, column: str) -> str:
    """The first wildcard grouping that matches replaces the item with the pattern itself."""
    if not spec.groupings:
        return column
    branches = [f"match({column}, {params.add(grouping_regex(g))}), {params.add(g)}" for g in spec.groupings]
    return f"multiIf({', '.join(branches)}, {column})"


def event_type_filter(spec: PathsSql, params: Params) -> str:
    """Which events take part: the listed types, or all when none are listed."""
    if not spec.include_event_types:
        return "1"
    parts = []
    if PAGEVIEW in spec.include_event_types:
        parts.append(f"events.event = {params.add(PAGEVIEW)}")
    if SCREEN in spec.include_event_types:
        parts.append(f"events.event = {params.add(SCREEN)}")
    if CUSTOM_EVENT in spec.include_event_types:
        parts.append("NOT startsWith(events.event, '$')")
    if "hogql" in spec.include_event_types:
        return "1"  # every event has a HogQL path item
    return "(" + " OR ".join(parts) + ")" if parts else "0"


def anchor(value: str) -> str:
    """Anchors match items, which lost one trailing slash (``/`` itself stays)."""
    return value[:-1] if len(value) > 1 and value.endswith("/") else value


def _anchor_columns(spec: PathsSql, params: Params) -> tuple[str, str]:
    """Extra columns locating the anchors, and the condition that a session has them."""
    columns, conditions = [], []
    if spec.start_point is not None or spec.end_point is not None:
        columns.append("arrayMap(e -> e.1, compact) AS items")
    if spec.start_point is not None:
        columns.append(
            f"indexOf(items, {params.named('start_point', anchor(spec.start_point), 'String')}) AS start_at"
        )
        conditions.append("start_at > 0")
    if spec.end_point is not None:
        end = params.named("end_point", anchor(spec.end_point), "String")
        if spec.start_point is not None:
            columns.append("arraySlice(compact, start_at) AS from_start")
            columns.append(f"indexOf(arrayMap(e -> e.1, from_start), {end}) AS end_at")
        else:
            columns.append(f"indexOf(items, {end}) AS end_at")
        conditions.append("end_at > 0")
    rendered = "".join(f",\n      {column}" for column in columns)
    return rendered, " AND ".join(conditions) or "1"


def _limited_path(spec: PathsSql, params: Params) -> str:
    limit = params.named("step_limit", spec.step_limit, "Int64")
    if spec.start_point is not None and spec.end_point is not None:
        half = params.named("half_limit", spec.step_limit // 2, "Int64")
        ellipsis = params.named("ellipsis", ELLIPSIS, "String")
        # Too long between the anchors: keep both ends around a "..." item.
        return (
            f"if(length(cut) > {limit}, arrayConcat(arraySlice(cut, 1, {half}), "
            f"[tuple({ellipsis}, cut[{half} + 1].2)], "
            f"arraySlice(cut, length(cut) - {half} + 1, {half})), cut)"
        )
    if spec.end_point is not None:
        return f"arraySlice(compact, greatest(1, end_at - {limit} + 1), least(end_at, {limit}))"
    if spec.start_point is not None:
        return f"arraySlice(compact, start_at, {limit})"
    return f"arraySlice(compact, 1, {limit})"


def _edge_filters(spec: PathsSql, params: Params) -> str:
    parts = []
    if spec.min_edge_weight is not None:
        parts.append(f"value >= {params.named('min_edge_weight', spec.min_edge_weight, 'Int64')}")
    if spec.max_edge_weight is not None:
        parts.append(f"value <= {params.named('max_edge_weight', spec.max_edge_weight, 'Int64')}")
    return "\nHAVING " + " AND ".join(parts) if parts else ""


def _and(*conditions: str) -> str:
    return and_(*conditions)


def _events_stage(spec: PathsSql, params: Params) -> str:
    exclusion = ""
    if spec.exclude_items:
        excluded = params.named("excluded", list(spec.exclude_items), "Array(String)")
        exclusion = f"\n        WHERE NOT has({excluded}, path_item)"
    return f"""SELECT actor, arraySort(e -> (e.2, e.1), groupArray((path_item, ms))) AS timeline
        FROM (
          SELECT {spec.actor} AS actor, {cleaned_item(spec, params)} AS cleaned_item,
            {grouped_item(spec, params, "cleaned_item")} AS path_item,
            toUnixTimestamp64Milli(events.timestamp) AS ms
          {spec.source}
          WHERE {_and(spec.where, event_type_filter(spec, params))}
        ){exclusion}
        GROUP BY actor"""


def _paths_stage(spec: PathsSql, params: Params, *, with_actor: bool) -> tuple[str, str]:
    """One row per anchored, limited session path (``path``: array of ``(item, ms)``),
    with its ``actor`` when asked; and the edge limit placeholder (added in the insight's order)."""
    gap = params.named("session_gap_ms", SESSION_GAP_MS, "Int64")
    anchors, has_anchors = _anchor_columns(spec, params)
    cut = ",\n      arraySlice(from_start, 1, end_at) AS cut" if spec.start_point and spec.end_point else ""
    limited = _limited_path(spec, params)
    edge_limit = params.named("edge_limit", spec.edge_limit, "Int64")
    actor = "actor, " if with_actor else ""
    return (
        f"""SELECT {actor}{limited} AS path
  FROM (
    SELECT {actor}arrayFilter((e, i) -> i = length(session) OR e.1 != session[i + 1].1,
        session, arrayEnumerate(session)) AS compact{anchors}{cut}
    FROM (
      SELECT {actor}timeline
      FROM (
        {_events_stage(spec, params)}
      )
    )
    ARRAY JOIN arraySplit((e, gap) -> gap >= {gap},
      timeline, arrayDifference(arrayMap(e -> e.2, timeline))) AS session
  )
  WHERE {has_anchors}""",
        edge_limit,
    )


def paths_sql(spec: PathsSql, params: Params) -> str:
    """The edges statement; columns ``source, target, value, average_conversion_time`` (ms)."""
    paths, edge_limit = _paths_stage(spec, params, with_actor=False)
    return f"""SELECT concat(toString(edge.1 - 1), '_', edge.2) AS source,
  concat(toString(edge.1), '_', edge.3) AS target,
  count() AS value,
  avg(edge.4) AS average_conversion_time
FROM (
  {paths}
)
ARRAY JOIN arrayMap(i -> (i, path[i - 1].1, path[i].1, path[i].2 - path[i - 1].2),
  range(2, length(path) + 1)) AS edge
GROUP BY source, target{_edge_filters(spec, params)}
ORDER BY value DESC, source, target
LIMIT {edge_limit}"""


@dataclass(frozen=True)
class PathKeys:
    """Which part of the graph an actors list is about (keys are ``"<step>_<item>"``)."""

    start: str | None = None
    end: str | None = None
    dropoff: str | None = None


def paths_actors_sql(spec: PathsSql, params: Params, keys: PathKeys) -> str:
    """Actors mode: the same session paths the edges are counted from, one row per step
    ``(n, previous item, item)``; an actor's ``event_count`` is its number of matching steps,
    so over an edge's actors it sums to the edge's value.

    ``start`` + ``end``: the edge start → end; ``start`` alone: edges leaving ``start``;
    ``end`` alone: steps reaching ``end``; ``dropoff``: paths whose last step is that key
    (the others are then ignored); none: every step."""
    paths, _ = _paths_stage(spec, params, with_actor=True)
    target = "concat(toString(node.1), '_', node.3)"
    conditions = []
    if keys.dropoff is not None:
        conditions.append(f"{target} = {params.add(keys.dropoff)} AND node.1 = length(path)")
    else:
        if keys.start is not None:
            source = "concat(toString(node.1 - 1), '_', node.2)"
            conditions.append(f"node.1 > 1 AND {source} = {params.add(keys.start)}")
        if keys.end is not None:
            conditions.append(f"{target} = {params.add(keys.end)}")
    return f"""SELECT actor AS actor_id, count() AS event_count
FROM (
  {paths}
)
ARRAY JOIN arrayMap(i -> (i, if(i > 1, path[i - 1].1, ''), path[i].1),
  range(1, length(path) + 1)) AS node
WHERE {_and(*conditions)}
GROUP BY actor_id"""
