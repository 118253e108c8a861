"""Pure SQL for funnels: compiled step conditions in, ``(sql)`` text out.

The query is one scan of ``events``: rows matching any step or exclusion are
tagged with the steps they match, grouped into one time-sorted array per
actor, and matched by the order type's strategy (``strategies``). The outer
selects aggregate the per-actor results for each visualisation. Values are
bound parameters collected by the caller's ``Params``; this module only adds
code-defined identifiers and numbers to the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

from query_engine.runners.funnels.packing import packed_key, unpacked_events
from query_engine.runners.funnels.strategies import FOLDS


@dataclass(frozen=True)
class Exclusion:
    condition: str
    from_step: int
    to_step: int


@dataclass(frozen=True)
class FunnelSQL:
    """A funnel with every condition already compiled to SQL over ``events``.

    ``source`` is the FROM clause (with the person-override join when the actor
    is a person), ``where`` the conditions every candidate event meets (team,
    date range, global and test-account filters), ``actor`` the aggregation
    target expression, ``breakdown`` the expressions of the breakdown
    properties (Nullable(String)), ``window`` the placeholder of the
    conversion window in seconds.
    """

    steps: tuple[str, ...]
    source: str
    where: str
    actor: str
    window: str
    order: str = "ordered"
    exclusions: tuple[Exclusion, ...] = ()
    breakdown: tuple[str, ...] = ()
    attribution: str = "first_touch"
    attribution_step: int | None = None
    period: str | None = None  # bucket expression, trends viz only
    packed: bool = False  # events sorted as packed integers (packing.py); the strategies are the same

    @property
    def n(self) -> int:
        return len(self.steps)


def _exclusion_flag(funnel: FunnelSQL, i: int) -> str | None:
    """Exclusions guarding 0-based step ``i``: from_step < i <= to_step."""
    conds = [x.condition for x in funnel.exclusions if x.from_step < i <= x.to_step]
    return " OR ".join(f"({c})" for c in conds) if conds else None


EXCLUSION_BIT = 32  # exclusion guarding step i is bit 32 + i; step k (1-based) is bit k - 1
MAX_STEPS = 30


def step_mask(funnel: FunnelSQL) -> str:
    """UInt64 with bit k-1 for each step k the event matches, bit 32+i for exclusions guarding step i."""
    items = [f"if({cond}, {1 << i}, 0)" for i, cond in enumerate(funnel.steps)]
    for i in range(1, funnel.n):
        flag = _exclusion_flag(funnel, i)
        if flag:
            items.append(f"if({flag}, {1 << (EXCLUSION_BIT + i)}, 0)")
    return f"toUInt64({' + '.join(items)})"


def sort_key(funnel: FunnelSQL) -> str:
    """Order of same-timestamp events: exclusions first, then by lowest matched step."""
    branches = ", ".join(f"{cond}, {i + 1}" for i, cond in enumerate(funnel.steps))
    return f"toUInt8(multiIf({branches}, 0))"


def breakdown_array(funnel: FunnelSQL) -> str:
    return "[" + ", ".join(f"ifNull(toString({b}), '')" for b in funnel.breakdown) + "]"


def candidate_condition(funnel: FunnelSQL) -> str:
    """Strict funnels see every event; the others only step and exclusion events."""
    if funnel.order == "strict":
        return "1"
    conds = [*funnel.steps, *(x.condition for x in funnel.exclusions)]
    if "1" in conds:
        return "1"
    return "(" + " OR ".join(f"({c})" for c in conds) + ")"


def event_type(funnel: FunnelSQL) -> str:
    """The per-event tuple: ``t`` seconds, sort ``k``, step ``m``ask, ``p``eriod, ``b``reakdown."""
    types = ["t Float64", "k UInt8", "m UInt64"]
    if funnel.period:
        types.append("p UInt32")
    if funnel.breakdown and not funnel.packed:
        types.append("b Array(String)")
    return f"Tuple({', '.join(types)})"


def event_tuple(funnel: FunnelSQL) -> str:
    values = ["t", "k", "m"] + (["period"] if funnel.period else []) + (["bd"] if funnel.breakdown else [])
    return f"CAST(({', '.join(values)}) AS {event_type(funnel)})"


def events_select(funnel: FunnelSQL) -> str:
    columns = [
        f"{funnel.actor} AS aggregation_target",
        "toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t",
        f"{sort_key(funnel)} AS k",
        f"{packed_key('k')} AS key" if funnel.packed else f"{step_mask(funnel)} AS m",
    ]
    if funnel.period:
        columns.append(f"toUnixTimestamp({funnel.period}) AS period")
    if funnel.breakdown:
        columns.append(f"{breakdown_array(funnel)} AS bd")
    where = funnel.where
    candidate = candidate_condition(funnel)
    if candidate != "1":
        where = f"{where}\n  AND {candidate}"
    return "SELECT\n    " + ",\n    ".join(columns) + f"\n{funnel.source}\n{where}"


def _empty_breakdown(funnel: FunnelSQL) -> str:
    return "[" + ", ".join(["''"] * len(funnel.breakdown)) + "]"


def prop_values(funnel: FunnelSQL) -> str:
    """The breakdown values each actor is evaluated under (engine.md §3.5)."""
    if not funnel.breakdown:
        return "[CAST([] AS Array(String))]"
    nonempty = "arrayExists(x -> x != '', bd)"
    if funnel.attribution in ("first_touch", "last_touch"):
        pick = "argMinIf" if funnel.attribution == "first_touch" else "argMaxIf"
        return f"[if(empty({pick}(bd, t, {nonempty}) AS touched), {_empty_breakdown(funnel)}, touched)]"
    if funnel.attribution == "step" and funnel.attribution_step is not None:
        return f"groupUniqArrayIf(bd, bitTest(m, {funnel.attribution_step}))"
    return "groupUniqArray(bd)"


def grouped_events(funnel: FunnelSQL) -> str:
    """The actor's events as one array, in processing order (tuples sort by t, then k)."""
    if funnel.packed:
        return unpacked_events(event_type(funnel), with_period=funnel.period is not None)
    return f"arraySort(groupArray({event_tuple(funnel)}))"


def actor_events(funnel: FunnelSQL) -> str:
    """``actor_events`` (all the actor's candidate events) narrowed to what one row is matched on."""
    if funnel.attribution == "all_events":
        return "arrayFilter(e -> e.b = prop_val, actor_events)"
    return "actor_events"


def grouped_actors(funnel: FunnelSQL) -> str:
    """One row per actor: ``actor_events`` and the breakdown values ``prop_vals`` it is evaluated under."""
    return (
        f"SELECT aggregation_target, {grouped_events(funnel)} AS actor_events,\n"
        f"    {prop_values(funnel)} AS prop_vals\n"
        f"  FROM ({events_select(funnel)})\n  GROUP BY aggregation_target"
    )


def stacked(source: str, layers: list[list[str]]) -> str:
    """``source`` (a SELECT) under one ``SELECT *, <layer>`` per layer, innermost first.

    Each layer only reads columns of the ones below it, so ClickHouse never
    inlines one step's expressions into the next (see strategies/chains.py).
    """
    sql = source
    for columns in layers:
        sql = "SELECT *,\n  " + ",\n  ".join(columns) + f"\nFROM (\n{sql}\n)"
    return sql


def match_layers(funnel: FunnelSQL) -> list[list[str]]:
    """The order type's layers over the row's ``ev``, the last one defining ``m``."""
    options: dict[str, object] = {
        "attribution_step": funnel.attribution_step if funnel.attribution == "step" else None,
        "with_exclusions": bool(funnel.exclusions),
    }
    if funnel.order != "unordered":
        options["exclusive"] = funnel.packed
    return FOLDS[funnel.order](funnel.n, funnel.window, events="ev", **options)


def actors_select(funnel: FunnelSQL) -> str:
    """One row per (actor, breakdown value): ``m`` = (steps reached, t0, excluded, timestamps)."""
    source = (
        f"SELECT aggregation_target, prop_val, {actor_events(funnel)} AS ev\n"
        f"FROM (\n  {grouped_actors(funnel)}\n)\n"
        f"ARRAY JOIN prop_vals AS prop_val"
    )
    return stacked(source, match_layers(funnel))


def actor_results(funnel: FunnelSQL) -> str:
    """Per (actor, breakdown) ``step_reached`` (0-based) and step-to-step ``timings``; excluded dropped."""
    return (
        "SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,\n"
        "  arrayPopFront(arrayDifference(m.4)) AS timings,\n"
        "  m.4 AS timestamps\n"
        f"FROM ({actors_select(funnel)})\nWHERE m.3 = 0 AND m.1 > 0"
    )
