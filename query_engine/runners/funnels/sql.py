"""Pure SQL for funnels: compiled step conditions in, ``(sql)`` text out.

The query is one scan of ``events``: rows matching any step or exclusion are
tagged with the steps they match, grouped into one time-sorted array per
actor, and folded by the order type's strategy (``strategies``). The outer
selects aggregate the per-actor results for each visualisation. Values are
bound parameters collected by the caller's ``Params``; this module only adds
code-defined identifiers and numbers to the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from query_engine.runners.funnels.strategies import FOLDS

EVENT_TUPLE = "Tuple(Float64, Array(String), Array(Int8))"


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
    extra_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n(self) -> int:
        return len(self.steps)


def _exclusion_flag(funnel: FunnelSQL, i: int) -> str | None:
    """Exclusions guarding 0-based step ``i``: from_step < i <= to_step."""
    conds = [x.condition for x in funnel.exclusions if x.from_step < i <= x.to_step]
    return " OR ".join(f"({c})" for c in conds) if conds else None


def steps_array(funnel: FunnelSQL) -> str:
    items = [f"if({cond}, {i + 1}, 0)" for i, cond in enumerate(funnel.steps)]
    for i in range(1, funnel.n):
        flag = _exclusion_flag(funnel, i)
        if flag:
            items.append(f"if({flag}, {-(i + 1)}, 0)")
    return f"arrayFilter(x -> x != 0, CAST([{', '.join(items)}] AS Array(Int8)))"


def breakdown_array(funnel: FunnelSQL) -> str:
    if not funnel.breakdown:
        return "CAST([] AS Array(String))"
    return "[" + ", ".join(f"ifNull(toString({b}), '')" for b in funnel.breakdown) + "]"


def candidate_condition(funnel: FunnelSQL) -> str:
    """Strict funnels see every event; the others only step and exclusion events."""
    if funnel.order == "strict":
        return "1"
    conds = [*funnel.steps, *(x.condition for x in funnel.exclusions)]
    if "1" in conds:
        return "1"
    return "(" + " OR ".join(f"({c})" for c in conds) + ")"


def events_select(funnel: FunnelSQL) -> str:
    period = f",\n    toUnixTimestamp({funnel.period}) AS period" if funnel.period else ""
    where = funnel.where
    candidate = candidate_condition(funnel)
    if candidate != "1":
        where = f"{where}\n  AND {candidate}"
    return (
        f"SELECT\n    {funnel.actor} AS aggregation_target,\n"
        f"    toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,\n"
        f"    {breakdown_array(funnel)} AS bd,\n"
        f"    {steps_array(funnel)} AS st{period}\n"
        f"{funnel.source}\n{where}"
    )


def _empty_breakdown(funnel: FunnelSQL) -> str:
    return "[" + ", ".join(["''"] * len(funnel.breakdown)) + "]" if funnel.breakdown else "[]"


def prop_values(funnel: FunnelSQL) -> str:
    """The breakdown values each actor is evaluated under (engine.md §3.5)."""
    if not funnel.breakdown:
        return "[CAST([] AS Array(String))]"
    nonempty = "arrayExists(x -> x != '', bd)"
    if funnel.attribution in ("first_touch", "last_touch"):
        pick = "argMinIf" if funnel.attribution == "first_touch" else "argMaxIf"
        return f"[if(empty({pick}(bd, t, {nonempty}) AS touched), {_empty_breakdown(funnel)}, touched)]"
    if funnel.attribution == "step" and funnel.attribution_step is not None:
        return f"groupUniqArrayIf(bd, has(st, {funnel.attribution_step + 1}))"
    return "groupUniqArray(bd)"


def _sort_key() -> str:
    # Same-timestamp events: exclusions first, then by lowest matched step.
    return "e -> (e.1, if(empty(e.3) OR e.3[1] < 0, 0, e.3[1]))"


def actors_select(funnel: FunnelSQL) -> str:
    """One row per (actor, breakdown value): ``m`` = (steps reached, t0, excluded, timestamps)."""
    per_event = "(t, bd, st)"
    grouped = f"arraySort({_sort_key()}, groupArray(CAST({per_event} AS {EVENT_TUPLE})))"
    events = "ev" if funnel.attribution != "all_events" else "arrayFilter(e -> e.2 = prop_val, ev)"
    fold = FOLDS[funnel.order](
        funnel.n,
        funnel.window,
        events=events,
        attribution_step=funnel.attribution_step if funnel.attribution == "step" else None,
    )
    return (
        f"SELECT aggregation_target, prop_val, {fold} AS m\n"
        f"FROM (\n  SELECT aggregation_target, {grouped} AS ev, {prop_values(funnel)} AS prop_vals\n"
        f"  FROM ({events_select(funnel)})\n  GROUP BY aggregation_target\n)\n"
        f"ARRAY JOIN prop_vals AS prop_val"
    )


def actor_results(funnel: FunnelSQL) -> str:
    """Per (actor, breakdown) ``step_reached`` (0-based) and step-to-step ``timings``; excluded dropped."""
    return (
        "SELECT aggregation_target, prop_val AS breakdown, toInt16(m.1) - 1 AS step_reached,\n"
        "  arrayMap(i -> m.4[i + 1] - m.4[i], range(1, length(m.4))) AS timings,\n"
        "  m.4 AS timestamps\n"
        f"FROM ({actors_select(funnel)})\nWHERE m.3 = 0 AND m.1 > 0"
    )
