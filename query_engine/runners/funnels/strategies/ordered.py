"""Ordered funnels: step k must come after step k-1 within the window from step 1.

State carried through ``arrayFold`` (engine.md §3.2):

* ``T[k]`` — step timestamps of the latest-started attempt that reached step
  ``k`` (its first element is that attempt's start, t0); empty = none.
* ``X[k]`` — that attempt met an exclusion before advancing.
* ``M`` — the first attempt to reach the deepest step: ``(step, t0,
  excluded, timestamps)``; a later clean attempt of the same depth replaces
  an excluded one.
* ``last_t`` — timestamp of the previous event, so that once the last step
  is reached the rest of that timestamp group still runs and later groups
  are skipped.

An event's matched steps are applied from the highest down, so one event
never satisfies two consecutive steps; that makes every step's update read
the state as it was before the event, which is what lets the update be
written as independent per-step expressions.
"""

from __future__ import annotations

ACC_TYPE = "Tuple(Array(Array(Float64)), Array(UInt8), Tuple(UInt8, Float64, UInt8, Array(Float64)), Float64)"


def _init(n: int) -> str:
    empties = ", ".join(["[]"] * n)
    zeros = ", ".join(["0"] * n)
    return f"CAST(([{empties}], [{zeros}], (0, 0, 0, []), 0) AS {ACC_TYPE})"


def _prev_t0(s: int) -> str:
    return "e.1" if s == 1 else f"acc.1[{s - 1}][1]"


def _prev_timings(s: int) -> str:
    return "CAST([] AS Array(Float64))" if s == 1 else f"acc.1[{s - 1}]"


def _exclusion_hit(i: int, window: str) -> str:
    """An exclusion coded -(i+1) hits the attempt stored at step ``i``."""
    return (
        f"(has(e.3, {-(i + 1)}) AND notEmpty(acc.1[{i}]) AND e.1 - acc.1[{i}][1] <= {window}"
        f" AND NOT (notEmpty(acc.1[{i + 1}]) AND acc.1[{i + 1}][1] = acc.1[{i}][1]) AND acc.2[{i}] = 0)"
    )


def _excluded_after(i: int, n: int, window: str) -> str:
    """X[i] once this event's exclusions are applied."""
    if i >= n:
        return f"acc.2[{i}]"
    return f"if({_exclusion_hit(i, window)}, 1, acc.2[{i}])"


def _prev_excluded(s: int, n: int, window: str) -> str:
    return "0" if s == 1 else _excluded_after(s - 1, n, window)


def _applies(s: int, window: str, attribution: str | None) -> str:
    parts = [f"has(e.3, {s})"]
    if s > 1:
        parts.append(f"notEmpty(acc.1[{s - 1}]) AND e.1 - acc.1[{s - 1}][1] <= {window}")
    parts.append(f"NOT (notEmpty(acc.1[{s}]) AND acc.1[{s}][1] = {_prev_t0(s)})")
    if attribution is not None:
        parts.append(attribution)
    return "(" + " AND ".join(parts) + ")"


def fold_expression(
    n: int,
    window: str,
    *,
    events: str = "ev",
    strict: bool = False,
    attribution_step: int | None = None,
    prop_val: str = "prop_val",
) -> str:
    """``arrayFold`` over ``events`` returning the final state tuple.

    ``window`` is the SQL of the conversion window in seconds (a bound
    parameter); ``attribution_step`` (0-based) makes that step count only
    for events whose breakdown equals ``prop_val``.
    """
    steps = range(1, n + 1)
    applies = {
        s: _applies(s, window, f"e.2 = {prop_val}" if attribution_step == s - 1 else None) for s in steps
    }
    advance = {s: f"({applies[s]} AND {_prev_excluded(s, n, window)} = 0)" for s in steps}
    timings = [f"if({advance[s]}, arrayPushBack({_prev_timings(s)}, e.1), acc.1[{s}])" for s in steps]
    flags = [f"if({advance[s]}, 0, {_excluded_after(s, n, window)})" for s in steps]
    if strict:
        # The next event of any kind must be the next step: clear what this event did not match.
        timings = [f"if(has(e.3, {s}), {t}, [])" for s, t in zip(steps, timings, strict=True)]
        flags = [f"if(has(e.3, {s}), {f}, 0)" for s, f in zip(steps, flags, strict=True)]
    deepest = "greatest(" + ", ".join(f"if({applies[s]}, {s}, 0)" for s in steps) + ")"
    max_hit = " OR ".join(
        f"(acc.3.1 = {i} AND {_exclusion_hit(i, window)} AND e.1 - acc.3.2 <= {window})" for i in range(1, n)
    )
    max_after_exclusions = (
        f"if({max_hit}, (acc.3.1, acc.3.2, toUInt8(1), acc.3.4), acc.3)" if max_hit else "acc.3"
    )
    candidates = ", ".join(
        f"({s}, {_prev_t0(s)}, {_prev_excluded(s, n, window)}, arrayPushBack({_prev_timings(s)}, e.1))"
        for s in steps
    )
    best = max_after_exclusions
    deeper = (
        f"{deepest} > tupleElement({best}, 1)"
        f" OR ({deepest} = tupleElement({best}, 1) AND tupleElement({best}, 3) = 1)"
    )
    new_max = f"multiIf({deepest} > 0 AND ({deeper}), [{candidates}][{deepest}], {best})"
    halted = f"(e.1 != acc.4 AND notEmpty(acc.1[{n}]))"
    body = f"if({halted}, acc, ([{', '.join(timings)}], [{', '.join(flags)}], {new_max}, e.1))"
    return f"arrayFold((acc, e) -> CAST({body} AS {ACC_TYPE}), {events}, {_init(n)})"


def ordered_fold(n: int, window: str, **kwargs: object) -> str:
    """The actor's result ``(steps_reached, t0, excluded, step_timestamps)``."""
    state = fold_expression(n, window, strict=False, **kwargs)  # type: ignore[arg-type]
    return f"tupleElement({state}, 3)"
