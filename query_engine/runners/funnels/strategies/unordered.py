"""Unordered funnels: how many distinct steps happen inside one sliding window.

State carried through ``arrayFold`` (engine.md §3.2, unordered):

* ``D[k]`` — timestamps of the events currently counted for step ``k``, oldest
  first; events older than ``window`` before the current event leave.
* ``M`` — the best window seen so far: ``(steps, 0, 0, first timestamps per
  step, sorted)``; it is recorded when the window is about to lose an event,
  when all steps are present, and after the last event.
* ``done`` — every step was completed; later events change nothing.

An event matching several steps counts for the step whose latest event is
the oldest, so identical steps need distinct events. An exclusion event
empties the window.
"""

from __future__ import annotations

ACC_TYPE = "Tuple(Array(Array(Float64)), Tuple(UInt8, Float64, UInt8, Array(Float64)), UInt8)"
FRONTS = "arraySort(arrayMap(d -> d[1], arrayFilter(d -> notEmpty(d), {deques})))"
COUNT = "toUInt8(arrayCount(d -> notEmpty(d), {deques}))"


def _init(n: int) -> str:
    empties = ", ".join(["[]"] * n)
    return f"CAST(([{empties}], (0, 0, 0, []), 0) AS {ACC_TYPE})"


def _record(deques: str) -> str:
    return f"({COUNT.format(deques=deques)}, 0, 0, {FRONTS.format(deques=deques)})"


def fold_expression(
    n: int,
    window: str,
    *,
    events: str = "ev",
    attribution_step: int | None = None,
    prop_val: str = "prop_val",
    with_exclusions: bool = True,
) -> str:
    count = COUNT.format(deques="acc.1")
    must_evict = f"({count} = {n} OR arrayExists(d -> notEmpty(d) AND d[1] + {window} < e.t, acc.1))"
    best = f"if({must_evict} AND {count} > acc.2.1, {_record('acc.1')}, acc.2)"
    kept = f"arrayMap(d -> arrayFilter(x -> x + {window} >= e.t, d), acc.1)"
    steps = "[" + ", ".join(str(k) for k in range(1, n + 1)) + "]"
    positive = f"arrayFilter(s -> bitTest(e.m, s - 1), {steps})"
    backs = f"arrayMap(s -> if(empty(kept[s]), 0., kept[s][-1]), {positive})"
    target = f"{positive}[indexOf(backs, arrayMin(backs))]"
    skip = "0"
    if attribution_step == 0:
        skip = f"({COUNT.format(deques='kept')} = 0 AND e.b != {prop_val})"
    push = (
        f"if(empty({positive}) OR {skip}, kept,"
        f" arrayMap((d, i) -> if(i = {target}, arrayPushBack(d, e.t), d), kept, arrayEnumerate(kept)))"
    )
    # One-element arrayMaps bind ``kept`` and ``backs`` once per event instead of once per use.
    pushed = f"arrayMap(kept -> arrayMap(backs -> {push}, [{backs}])[1], [{kept}])[1]"
    empties = "[" + ", ".join(["CAST([] AS Array(Float64))"] * n) + "]"
    only_exclusions = f"(e.m != 0 AND bitAnd(e.m, {(1 << 32) - 1}) = 0)"
    deques = f"if({only_exclusions}, {empties}, {pushed})"
    body = f"if(acc.3 = 1, acc, ({deques}, {best}, toUInt8({count} = {n})))"
    return f"arrayFold((acc, e) -> CAST({body} AS {ACC_TYPE}), {events}, {_init(n)})"


def unordered_fold(n: int, window: str, **kwargs: object) -> list[list[str]]:
    """One layer: the actor's ``m`` = ``(steps_reached, 0, 0, first timestamps per step)``."""
    state = fold_expression(n, window, **kwargs)  # type: ignore[arg-type]
    # The window left at the end counts too.
    result = (
        f"arrayMap(s -> if(s.3 = 0 AND {COUNT.format(deques='s.1')} > s.2.1,"
        f" {_record('s.1')}, s.2), [{state}])[1]"
    )
    return [[f"{result} AS m"]]
