"""SQL for one trends series: rows of (bucket, [breakdown_value,] value).

``series_query`` picks the shape by math (plain aggregate, per-actor counts,
trailing active users, first time for user) and by display (per bucket or
one total). Bucket is returned as the local wall-clock text
``YYYY-MM-DD HH:MM:SS``; a total-value query returns ``''`` as its bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from query_engine.dates import bucket_key, localize
from query_engine.errors import QueryError
from query_engine.hogql.expressions import compile_expression
from query_engine.sql.context import bucket_expr, format_bucket
from query_engine.sql.events import (
    FilterContext,
    entity_condition,
    events_source,
    filters_condition,
    range_condition,
    team_condition,
    where,
)
from query_engine.sql.params import Params
from query_engine.sql.properties import property_value
from query_engine.sql.series import (
    PLAIN_AGGREGATES,
    QUANTILES,
    SeriesRequest,
    actor_expr,
    breakdown_expr,
    needs_person,
    series_where,
)
from query_engine.sql.sessions import session_join, session_number

ACTIVE_WINDOW_DAYS = {"weekly_active": 7, "monthly_active": 30}
HISTOGRAM_NULL = '["",""]'


def is_session_math(req: SeriesRequest) -> bool:
    """Property math over a session field: aggregated per session, not per event (§6.4)."""
    series = req.series
    if series.math not in PLAIN_AGGREGATES and series.math not in QUANTILES:
        return False
    return series.math_property == "$session_duration" or series.math_property_type == "session_properties"


def _breakdown_on_session(req: SeriesRequest) -> bool:
    return req.breakdown is not None and any(kind == "session" for _, kind, _ in req.breakdown.parts())


def needs_session_join(req: SeriesRequest) -> bool:
    """Whether each event needs its session's fields (per-session math without a session
    breakdown joins them to (bucket, session) pairs instead, see ``_per_session``)."""
    return _breakdown_on_session(req) or is_session_math(req)


def _source(
    req: SeriesRequest, params: Params, date_from: datetime | None = None, *, sessions: bool = True
) -> str:
    source = events_source(params, req.team.id, with_person=needs_person(req))
    if sessions and needs_session_join(req):
        source += "\n" + session_join(params, req.team.id, date_from or req.date_from, req.date_to)
    return source


def _math_property(req: SeriesRequest, params: Params) -> str:
    prop = req.series.math_property or ""
    if prop == "$time":
        return "toFloat64(toUnixTimestamp(events.timestamp))"
    source = "person" if req.series.math_property_type == "person_properties" else "event"
    return _multiplied(f"toFloat64OrNull({property_value(source, prop, params)})", req, params)


def _multiplied(value: str, req: SeriesRequest, params: Params) -> str:
    """``math_multiplier`` scales each property value before the math, as PostHog does."""
    if req.series.math_multiplier is None:
        return value
    return f"({value} * {params.add(req.series.math_multiplier, 'Float64')})"


def aggregate(req: SeriesRequest, params: Params) -> str:
    """The per-bucket aggregate for plain maths."""
    math = req.series.math
    if math == "total":
        return "count()"
    if math in ("dau", "unique_group"):
        return f"count(DISTINCT {actor_expr(req)})"
    if math == "unique_session":
        return "count(DISTINCT events.`$session_id`)"
    if math in PLAIN_AGGREGATES:
        return f"ifNull({PLAIN_AGGREGATES[math]}({_math_property(req, params)}), 0)"
    if math in QUANTILES:
        return f"ifNull(quantile({QUANTILES[math]})({_math_property(req, params)}), 0)"
    if math == "hogql":
        return compile_expression(
            req.series.math_hogql, req.team, params, attr="series__math_hogql", aggregate=True
        ).sql
    raise QueryError(f"Unsupported math {math!r}.", attr="series__math")


def series_query(req: SeriesRequest) -> tuple[str, dict]:
    """SQL + params for one series (one compare period)."""
    params = Params()
    math = req.series.math
    if math in ("first_time_for_user", "first_matching_event_for_user"):
        sql = _first_time(req, params)
    elif (
        math in ACTIVE_WINDOW_DAYS
        and not req.total_value
        and req.interval in ("minute", "hour", "day") + (("week",) if math == "monthly_active" else ())
    ):
        sql = _active_users(req, params)
    elif math.endswith("_count_per_actor"):
        sql = _count_per_actor(req, params)
    elif is_session_math(req):
        sql = _per_session(req, params)
    elif req.cumulative and math in ("dau", "unique_group"):
        sql = _first_seen(req, params)
    else:
        sql = _plain(req, params)
    return sql, params.values


def _bucket(req: SeriesRequest, params: Params) -> str:
    return bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day)


def _select_bucket(req: SeriesRequest, params: Params) -> str:
    if req.total_value:
        return "'' AS bucket_start"
    return f"{bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day)} AS bucket_start"


def _breakdown_select(req: SeriesRequest, params: Params) -> tuple[str, str]:
    if req.breakdown is None:
        return "", ""
    if req.breakdown.histogram_bin_count is not None:
        return f", {_histogram_bucket(req, params)} AS breakdown_value", ", breakdown_value"
    return f", {breakdown_expr(req.breakdown, params, req.team.tz)} AS breakdown_value", ", breakdown_value"


def _numeric_breakdown(req: SeriesRequest, params: Params) -> str:
    assert req.breakdown is not None
    raw = property_value(
        req.breakdown.type, str(req.breakdown.property), params, req.team.tz, req.breakdown.group_type_index
    )
    return f"toFloat64OrNull({raw})"


def histogram_buckets(edges: tuple[float, ...]) -> list[tuple[float, float]]:
    """Consecutive edges as [low, high) bins; the last one is widened by 0.01 to hold the
    maximum (edges are floored to 2 decimals), as PostHog does."""
    values = list(edges) if len(edges) != 1 else [edges[0], edges[0]]
    return [
        (values[i], round(values[i + 1] + 0.01, 2) if i == len(values) - 2 else values[i + 1])
        for i in range(len(values) - 1)
    ]


def histogram_label(low: float, high: float) -> str:
    return f"[{float(low)},{float(high)}]"


def _histogram_bucket(req: SeriesRequest, params: Params) -> str:
    value = _numeric_breakdown(req, params)
    branches = []
    for low, high in histogram_buckets(req.histogram_edges):
        low_p, high_p = params.add(low, "Float64"), params.add(high, "Float64")
        branches.append(
            f"ifNull({value} >= {low_p} AND {value} < {high_p}, 0), {params.add(histogram_label(low, high))}"
        )
    if not branches:
        return params.add(HISTOGRAM_NULL)
    return f"multiIf({', '.join(branches)}, {params.add(HISTOGRAM_NULL)})"


def histogram_edges_query(req: SeriesRequest) -> tuple[str, dict]:
    """The bin edges of a histogram breakdown: quantiles of the (up to ``breakdown_limit``
    most frequent) distinct values, floored to 2 decimals, repeats dropped."""
    assert req.breakdown is not None and req.breakdown.histogram_bin_count is not None
    params = Params()
    bins = req.breakdown.histogram_bin_count
    levels = [0.0, 1.0] if bins <= 1 else [i / bins for i in range(bins + 1)]
    quantiles = ",".join(f"{level:.2f}" for level in levels)
    inner = (
        f"SELECT {_numeric_breakdown(req, params)} AS value, count() AS c\n"
        f"{_source(req, params)}\n"
        f"{series_where(req, params, req.date_from)}\n"
        "GROUP BY value HAVING value IS NOT NULL\n"
        f"ORDER BY c DESC, value DESC LIMIT {int(req.breakdown.limit)}"
    )
    edges = f"arrayCompact(arrayMap(x -> floor(x, 2), quantiles({quantiles})(assumeNotNull(value))))"
    sql = f"SELECT {edges}\nFROM (\n{inner}\n)"
    return sql, params.values


def _outer(inner: str, req: SeriesRequest, bd_col: str, value: str = "value") -> str:
    bucket = "''" if req.total_value else format_bucket("bucket_start")
    return f"SELECT {bucket} AS bucket{bd_col}, {value} AS value\nFROM (\n{inner}\n)"


def _plain(req: SeriesRequest, params: Params) -> str:
    bd_select, bd_col = _breakdown_select(req, params)
    agg = aggregate(req, params)
    inner = (
        f"SELECT {_select_bucket(req, params)}{bd_select}, {agg} AS value\n"
        f"{_source(req, params)}\n"
        f"{series_where(req, params, req.date_from)}\n"
        f"GROUP BY bucket_start{bd_col}"
    )
    return _outer(inner, req, bd_col)


def _count_per_actor(req: SeriesRequest, params: Params) -> str:
    bd_select, bd_col = _breakdown_select(req, params)
    fn = req.series.math.removesuffix("_count_per_actor")
    outer_agg = f"quantile({QUANTILES[fn]})(actor_count)" if fn in QUANTILES else f"{fn}(actor_count)"
    inner = (
        f"SELECT {_select_bucket(req, params)}{bd_select}, {actor_expr(req)} AS actor,"
        " count() AS actor_count\n"
        f"{_source(req, params)}\n"
        f"{series_where(req, params, req.date_from)}\n"
        f"GROUP BY bucket_start{bd_col}, actor"
    )
    middle = (
        f"SELECT bucket_start{bd_col}, {outer_agg} AS value FROM (\n{inner}\n) GROUP BY bucket_start{bd_col}"
    )
    return _outer(middle, req, bd_col)


def _per_session(req: SeriesRequest, params: Params) -> str:
    """Property math over a session field: one row per session per bucket (and breakdown
    value) holding the session's value, then the math across those rows.

    Without a session breakdown the events are grouped into (bucket, breakdown, session)
    rows first and only those rows are joined to the sessions, not every event: about a
    quarter less CPU on 10M events (bench/RESULTS.md, "Session queries on 10M events")."""
    bd_select, bd_col = _breakdown_select(req, params)
    prop = req.series.math_property or ""
    number = _multiplied(session_number(prop, "series__math_property"), req, params)
    math = req.series.math
    outer_agg = (
        f"quantile({QUANTILES[math]})(session_value)"
        if math in QUANTILES
        else f"{PLAIN_AGGREGATES[math]}(session_value)"
    )
    if _breakdown_on_session(req):
        inner = (
            f"SELECT {_select_bucket(req, params)}{bd_select}, events.`$session_id` AS sid,"
            f" any({number}) AS session_value\n"
            f"{_source(req, params)}\n"
            f"{series_where(req, params, req.date_from)}\n"
            f"GROUP BY bucket_start{bd_col}, sid"
        )
    else:
        pairs = (
            f"SELECT {_select_bucket(req, params)}{bd_select}, events.`$session_id` AS sid\n"
            f"{_source(req, params, sessions=False)}\n"
            f"{series_where(req, params, req.date_from)}\n"
            f"GROUP BY bucket_start{bd_col}, sid"
        )
        joined = session_join(params, req.team.id, req.date_from, req.date_to, on="pairs.sid")
        inner = (
            f"SELECT bucket_start{bd_col}, {number} AS session_value\nFROM (\n{pairs}\n) AS pairs\n{joined}"
        )
    middle = (
        f"SELECT bucket_start{bd_col}, ifNull({outer_agg}, 0) AS value FROM (\n{inner}\n)"
        f" GROUP BY bucket_start{bd_col}"
    )
    return _outer(middle, req, bd_col)


def _first_seen(req: SeriesRequest, params: Params) -> str:
    """Cumulative unique actors: each actor counted once, on their first bucket."""
    bd_select, bd_col = _breakdown_select(req, params)
    inner = (
        f"SELECT {actor_expr(req)} AS actor{bd_select}, min({_bucket(req, params)}) AS bucket_start\n"
        f"{_source(req, params)}\n"
        f"{series_where(req, params, req.date_from)}\n"
        f"GROUP BY actor{bd_col}"
    )
    middle = f"SELECT bucket_start{bd_col}, count() AS value FROM (\n{inner}\n) GROUP BY bucket_start{bd_col}"
    return _outer(middle, req, bd_col)


def _active_users(req: SeriesRequest, params: Params) -> str:
    """Trailing 7/30-day active actors for each bucket start b: activity day in (b − W, b].

    Day buckets: each (actor, active day) fans out to the W days it counts for
    (cheap, independent of the range length); other intervals test the
    activity against every bucket start.
    """
    days = ACTIVE_WINDOW_DAYS[req.series.math]
    bd_select, bd_col = _breakdown_select(req, params)
    unit = "hour" if req.interval in ("hour", "minute") else "day"
    activity = bucket_expr(params, unit, req.team.tz, req.team.week_start_day)
    inner = (
        f"SELECT {actor_expr(req)} AS actor{bd_select}, {activity} AS active_at\n"
        f"{_source(req, params, req.date_from - timedelta(days=days))}\n"
        f"{series_where(req, params, req.date_from - timedelta(days=days))}\n"
        f"GROUP BY actor{bd_col}, active_at"
    )
    if req.interval == "day":
        fan_out = f"arrayJoin(arrayMap(i -> active_at + toIntervalDay(i), range({days})))"
    else:
        buckets = params.add(list(req.buckets_utc), "Array(DateTime64(6, 'UTC'))")
        tz = params.named("tz", req.team.tz.key, "String")
        fan_out = (
            "toTimeZone(arrayJoin(arrayFilter("
            f"b -> active_at <= b AND active_at > b - toIntervalDay({days}), {buckets})), {tz})"
        )
    spread = f"SELECT {fan_out} AS bucket_start{bd_col}, actor FROM (\n{inner}\n)"
    middle = (
        f"SELECT bucket_start{bd_col}, count(DISTINCT actor) AS value FROM (\n{spread}\n)"
        f" GROUP BY bucket_start{bd_col}"
    )
    return _outer(middle, req, bd_col)


def _first_time(req: SeriesRequest, params: Params) -> str:
    """Actors whose first-ever matching event falls in the range, bucketed by it."""
    inner = _first_time_actors(req, params)
    bucket = (
        "''"
        if req.total_value
        else format_bucket(
            bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day, column="t_first")
        )
    )
    return f"SELECT {bucket} AS bucket, count() AS value\nFROM (\n{inner}\n)\nGROUP BY bucket"


def _first_time_actors(req: SeriesRequest, params: Params) -> str:
    """One row per actor counted by first-time math: ``actor``, ``t_first``."""
    if req.breakdown is not None:
        raise QueryError("first_time_for_user math does not support breakdowns.", attr="breakdownFilter")
    ctx = FilterContext(req.team.tz, req.team.now or datetime.now(req.team.tz), req.team.id)
    filters = filters_condition([*req.filters, req.series.properties], params, ctx)
    start = params.add(req.date_from, "DateTime64(6, 'UTC')")
    entity = entity_condition(req.series, params, ctx, req.actions)
    matching = req.series.math == "first_matching_event_for_user"
    first = f"minIf(events.timestamp, {filters})" if matching else "min(events.timestamp)"
    return (
        f"SELECT {actor_expr(req)} AS actor, {first} AS t_first,\n"
        f"  minIf(events.timestamp, events.timestamp >= {start} AND {filters}) AS t_cond\n"
        f"{events_source(params, req.team.id, with_person=True)}\n"
        f"{where(team_condition(params, req.team.id), range_condition(params, None, req.date_to), entity)}\n"
        f"GROUP BY actor\nHAVING t_first = t_cond AND t_first >= {start}"
    )


# --- actors mode: who makes up one data point -------------------------------------------------

ACTOR_COLUMNS = ("actor_id", "event_count", "event_distinct_ids")
DISTINCT_IDS_PER_ACTOR = 100


@dataclass(frozen=True)
class TrendsPoint:
    """One data point of a series: its bucket (None: the whole range) and breakdown value."""

    bucket: datetime | None = None  # wall-clock bucket start, aware (project tz)
    bucket_end: datetime | None = None  # the next bucket's start or the range end (pruning only)
    breakdown: Any = None  # a value (list for multi-breakdowns); None: every value
    not_breakdowns: tuple[Any, ...] = ()  # the "other" bucket: values shown as their own entries


def actors_query(req: SeriesRequest, point: TrendsPoint) -> tuple[str, dict]:
    """The actors behind ``point``: one row per actor (``ACTOR_COLUMNS``), from the same
    events, WHERE clause and bucket expression ``series_query`` counts them with."""
    params = Params(prefix="a")
    math = req.series.math
    if math in ("first_time_for_user", "first_matching_event_for_user"):
        inner = _first_time_actors(req, params)
        condition = "1"
        if point.bucket is not None:
            bucket = bucket_expr(params, req.interval, req.team.tz, req.team.week_start_day, column="t_first")
            condition = f"{format_bucket(bucket)} = {params.add(bucket_key(point.bucket))}"
        sql = (
            f"SELECT actor AS actor_id, toUInt64(1) AS event_count, CAST([], 'Array(String)')"
            f" AS event_distinct_ids\nFROM (\n{inner}\n)\nWHERE {condition}"
        )
        return sql, params.values
    extra = list(_breakdown_conditions(req, point, params))
    date_from = req.date_from
    if point.bucket is not None:
        active = math in ACTIVE_WINDOW_DAYS and _uses_active_window(req)
        if active:
            extra.append(_active_condition(req, point.bucket, params))
            date_from = req.date_from - timedelta(days=ACTIVE_WINDOW_DAYS[math])
            extra.append(
                range_condition(
                    params, point.bucket - timedelta(days=ACTIVE_WINDOW_DAYS[math] + 1), point.bucket_end
                )
            )
        else:
            extra.append(f"{format_bucket(_bucket(req, params))} = {params.add(bucket_key(point.bucket))}")
            extra.append(range_condition(params, point.bucket, point.bucket_end))
    sql = (
        f"SELECT {actor_expr(req)} AS actor_id, count() AS event_count,"
        f" groupUniqArray({DISTINCT_IDS_PER_ACTOR})(events.distinct_id) AS event_distinct_ids\n"
        f"{events_source(params, req.team.id, with_person=True)}\n"
        f"{series_where(req, params, date_from, extra=tuple(extra))}\n"
        "GROUP BY actor_id"
    )
    return sql, params.values


def _uses_active_window(req: SeriesRequest) -> bool:
    """Whether ``series_query`` counts this series with ``_active_users``."""
    math = req.series.math
    return not req.total_value and req.interval in ("minute", "hour", "day") + (
        ("week",) if math == "monthly_active" else ()
    )


def _active_condition(req: SeriesRequest, bucket: datetime, params: Params) -> str:
    """``_active_users``' rule for bucket start b: the activity unit falls in (b − W, b]."""
    days = ACTIVE_WINDOW_DAYS[req.series.math]
    unit = "hour" if req.interval in ("hour", "minute") else "day"
    active_at = bucket_expr(params, unit, req.team.tz, req.team.week_start_day)
    upper = params.add(bucket.astimezone(UTC), "DateTime64(6, 'UTC')")
    if req.interval == "day":
        # active_at + i days (0 ≤ i < W, wall clock) = b
        local = bucket.replace(tzinfo=None) - timedelta(days=days - 1)
        lower = params.add(localize(local, req.team.tz).astimezone(UTC), "DateTime64(6, 'UTC')")
        return f"{active_at} >= {lower} AND {active_at} <= {upper}"
    lower = params.add(bucket.astimezone(UTC) - timedelta(days=days), "DateTime64(6, 'UTC')")
    return f"{active_at} > {lower} AND {active_at} <= {upper}"


def _breakdown_conditions(req: SeriesRequest, point: TrendsPoint, params: Params) -> list[str]:
    if req.breakdown is None:
        return []
    value_type = "Array(String)" if req.breakdown.multi else "String"
    expr = breakdown_expr(req.breakdown, params, req.team.tz)
    conditions = []
    if point.breakdown is not None:
        conditions.append(f"{expr} = {params.add(point.breakdown, value_type)}")
    for shown in point.not_breakdowns:
        conditions.append(f"{expr} != {params.add(shown, value_type)}")
    return conditions
