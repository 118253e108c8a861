"""Ordered and strict funnels as vectorised array expressions (no per-event lambda state).

For an actor's sorted events ``ev`` and steps ``k = 1..n`` (engine.md §3.2):

* ``A_k[q]`` — start time (t0) of the latest-started attempt that has reached
  step ``k`` once event ``q`` is processed; ``c_k[q]`` — the start time of the
  attempt that event ``q`` advances to step ``k`` (0 if none). An event
  advances the attempt stored one step lower *before* it (``A_{k-1}[q-1]``),
  which is why one event never satisfies two consecutive steps, and only
  inside the window measured from that attempt's first step. Step 1 restarts:
  ``A_1`` is the latest step-1 time.
* Ordered: ``A_k`` carries forward (fill); strict: ``A_k`` is cleared by every
  event that does not match step ``k``, so step ``k`` must be the very next
  event after step ``k-1``.
* The actor's result is the first attempt to reach the deepest step ``D``; an
  attempt an exclusion event met between its steps (within its window) is
  skipped for the next attempt reaching ``D``; if every one was met, the actor
  is excluded. Its step timestamps are where ``c_k`` first holds its start.

Attempts are identified by their start time, as PostHog's matching does.
"""

from __future__ import annotations


def _shift(array: str) -> str:
    """``array`` moved one position right: element q is the value after event q-1."""
    return f"arrayPopBack(arrayPushFront({array}, 0.))"


def _matches(k: int, events: str, attribution: str | None) -> str:
    extra = f" AND e.2 = {attribution}" if attribution else ""
    return f"arrayMap(e -> has(e.3, {k}){extra}, {events})"


def _times(events: str) -> str:
    return f"arrayMap(e -> e.1, {events})"


def _advance(k: int, prev: str, events: str, window: str, attribution: str | None) -> str:
    """``c_k``: the attempt start each event moves to step ``k``."""
    return (
        f"arrayMap((m, p, t) -> if(m AND p > 0 AND t - p <= {window}, p, 0.),"
        f" {_matches(k, events, attribution)}, {_shift(prev)}, {_times(events)})"
    )


def _stored(
    k: int, advanced: str, prev: str, events: str, window: str, strict: bool, attribution: str | None
) -> str:
    """``A_k`` from ``c_k``."""
    if not strict:
        return f"arrayFill(x -> x > 0, {advanced})"
    # Cleared by a non-matching event; a matching event that cannot advance keeps the value.
    marked = (
        f"arrayMap((m, p, t) -> if(NOT m, 0., if(p > 0 AND t - p <= {window}, p, -1.)),"
        f" {_matches(k, events, attribution)}, {_shift(prev)}, {_times(events)})"
    )
    return f"arrayMap(x -> if(x < 0, 0., x), arrayFill(x -> x >= 0, {marked}))"


def chain_arrays(
    n: int, window: str, events: str, *, strict: bool, attribution_step: int | None, prop_val: str
) -> tuple[list[str], list[str]]:
    """``(c_1..c_n, A_1..A_n)`` as SQL expressions."""
    attribution = {attribution_step + 1: prop_val} if attribution_step is not None else {}
    first = f"arrayMap((m, t) -> if(m, t, 0.), {_matches(1, events, attribution.get(1))}, {_times(events)})"
    advanced, stored = [first], [first if strict else f"arrayFill(x -> x > 0, {first})"]
    for k in range(2, n + 1):
        c_k = _advance(k, stored[-1], events, window, attribution.get(k))
        advanced.append(c_k)
        stored.append(_stored(k, c_k, stored[-1], events, window, strict, attribution.get(k)))
    return advanced, stored


def _excluded_starts(n: int, window: str, events: str, stored: list[str]) -> str:
    """Start times of attempts an exclusion event met: code -(i+1) meets the attempt stored at step i."""
    hits = []
    for i in range(1, n):
        flags = f"arrayMap(e -> has(e.3, {-(i + 1)}), {events})"
        hits.append(
            f"arrayMap((x, a, b, t) -> if(x AND a > 0 AND a != b AND t - a <= {window}, a, 0.),"
            f" {flags}, {_shift(stored[i - 1])}, {_shift(stored[i])}, {_times(events)})"
        )
    return f"arrayConcat({', '.join(hits)})" if hits else "CAST([] AS Array(Float64))"


def chain_result(
    n: int,
    window: str,
    *,
    events: str,
    strict: bool,
    attribution_step: int | None = None,
    prop_val: str = "prop_val",
    with_exclusions: bool = True,
) -> str:
    """``(steps_reached, t0, excluded, step_timestamps)`` of the actor's reported attempt."""
    advanced, stored = chain_arrays(
        n, window, events, strict=strict, attribution_step=attribution_step, prop_val=prop_val
    )
    depth = (
        "greatest("
        + ", ".join(f"if(arrayExists(x -> x > 0, {c}), {k}, 0)" for k, c in enumerate(advanced, 1))
        + ")"
    )
    candidates = f"arrayDistinct(arrayFilter(x -> x > 0, [{', '.join(advanced)}][{depth}]))"
    if with_exclusions and n > 1:
        start = f"arrayFirst(x -> NOT has({_excluded_starts(n, window, events, stored)}, x), {candidates})"
    else:
        start = f"{candidates}[1]"
    stamps = ", ".join(
        [f"{start}"] + [f"{_times(events)}[arrayFirstIndex(x -> x = {start}, {c})]" for c in advanced[1:]]
    )
    excluded = f"toUInt8({depth} > 0 AND {start} = 0)"
    return f"(toUInt8({depth}), {start}, {excluded}, arraySlice([{stamps}], 1, {depth}))"
