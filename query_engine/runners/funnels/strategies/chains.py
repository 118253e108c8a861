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

Each step is one layer (one nested SELECT) whose columns read only the
layers below it. ClickHouse's analyzer inlines an alias at every use, so the
former one-SELECT form, where ``c_k`` referred to ``c_{k-1}`` through a chain
of aliases, expanded to a tree whose size grew faster than the step count
(seconds of planning at 10 steps). Across subqueries nothing is inlined.
"""

from __future__ import annotations

EXCLUSION_BIT = 32  # matches funnels.sql: exclusion guarding step i is bit 32 + i


def _shift(array: str) -> str:
    """``array`` moved one position right: element q is the value after event q-1."""
    return f"arrayPopBack(arrayPushFront({array}, 0.))"


class Chain:
    """Names and expressions of one actor's funnel arrays; ``c_k`` is ``{prefix}c{k}``."""

    def __init__(
        self,
        n: int,
        window: str,
        events: str,
        strict: bool,
        attribution: dict[int, str],
        prefix: str,
        exclusive: bool = False,
    ):
        self.n, self.window, self.events, self.strict = n, window, events, strict
        self.attribution = attribution
        self.prefix = prefix
        # An event matching one step only leaves A_{k-1} as it was before it (ordered).
        self.unshifted = exclusive and not strict

    def c(self, k: int) -> str:
        return f"{self.prefix}c{k}"

    def a(self, k: int) -> str:
        """``A_k``; strict step 1 is its own ``c_1`` (never carried forward)."""
        return self.c(1) if k == 1 and self.strict else f"{self.prefix}a{k}"

    def matches(self, k: int) -> str:
        extra = f" AND e.b = {self.attribution[k]}" if k in self.attribution else ""
        return f"bitTest(e.m, {k - 1}){extra}"

    def inside(self, start: str) -> str:
        """An attempt started at ``start`` exists and event ``e`` is inside its window."""
        return f"{start} > 0 AND e.t - {start} <= {self.window}"

    def step_layer(self, k: int, stored: bool) -> list[str]:
        """``c_k`` and, when a later layer reads it, ``A_k``."""
        if k == 1:
            columns = [f"arrayMap(e -> if({self.matches(1)}, e.t, 0.), {self.events}) AS {self.c(1)}"]
        else:
            advance = f"{self.matches(k)} AND {self.inside('p')}"
            previous = self.a(k - 1) if self.unshifted else _shift(self.a(k - 1))
            columns = [f"arrayMap((e, p) -> if({advance}, p, 0.), {self.events}, {previous}) AS {self.c(k)}"]
        if not stored or (k == 1 and self.strict):
            return columns
        if not self.strict:
            return [*columns, f"arrayFill(x -> x > 0, {self.c(k)}) AS {self.a(k)}"]
        # Cleared by a non-matching event; a matching event that cannot advance keeps the value.
        marked = (
            f"arrayMap((e, p) -> if(NOT ({self.matches(k)}), 0., if({self.inside('p')}, p, -1.)),"
            f" {self.events}, {_shift(self.a(k - 1))})"
        )
        return [*columns, f"arrayMap(x -> if(x < 0, 0., x), arrayFill(x -> x >= 0, {marked})) AS {self.a(k)}"]

    def excluded_starts(self) -> str:
        """Starts of attempts an exclusion event met: the one stored at step i, before step i+1."""
        hits = []
        for i in range(1, self.n):
            met = f"bitTest(e.m, {EXCLUSION_BIT + i}) AND a != b AND {self.inside('a')}"
            hits.append(
                f"arrayMap((e, a, b) -> if({met}, a, 0.), {self.events},"
                f" {_shift(self.a(i))}, {_shift(self.a(i + 1))})"
            )
        return f"arrayConcat({', '.join(hits)})"


def chain_result(
    n: int,
    window: str,
    *,
    events: str,
    strict: bool,
    attribution_step: int | None = None,
    prop_val: str = "prop_val",
    with_exclusions: bool = True,
    prefix: str = "f_",
    exclusive: bool = False,
) -> list[list[str]]:
    """Layers of SELECT columns, the last one ``m`` = ``(steps_reached, t0, excluded, timestamps)``.

    A column reads only ``events``, the row's other source columns and the
    columns of earlier layers, so the SQL grows linearly with ``n``. ``exclusive``:
    no event matches two steps (packing.py), so the ordered chain skips the shift.
    """
    attribution = {attribution_step + 1: prop_val} if attribution_step is not None else {}
    chain = Chain(n, window, events, strict, attribution, prefix, exclusive)
    excluding = with_exclusions and n > 1
    # A_k is read by step k+1, and A_n only by the exclusion check.
    layers = [chain.step_layer(k, stored=k < n or excluding) for k in range(1, n + 1)]
    advanced = [chain.c(k) for k in range(1, n + 1)]
    depth, start = f"{prefix}d", f"{prefix}s"
    # Lambda-free where a plain function does (the analyzer's cost is per lambda): c_k >= 0.
    reached = ", ".join(f"if(arrayMax({c}) > 0, {k}, 0)" for k, c in enumerate(advanced, 1))
    met = f"{prefix}x"
    # The exclusion hits get their own column so the lambda below captures an array, not its formula.
    exclusions = [f"{chain.excluded_starts()} AS {met}"] if excluding else []
    layers.append([f"greatest({reached}) AS {depth}", *exclusions])
    # c_D: the attempts that reached the deepest step, in the order they reached it (all zero if none).
    branches = "".join(f"{depth} = {k}, {c}, " for k, c in enumerate(advanced[:-1], 1))
    deepest = f"multiIf({branches}{advanced[-1]})" if n > 1 else advanced[-1]
    unmet = f" AND NOT has({met}, x)" if excluding else ""
    layers.append([f"arrayFirst(x -> x > 0{unmet}, {deepest}) AS {start}"])
    stamps = ", ".join(
        [start] + [f"tupleElement({events}[indexOf({c}, {start})], 't')" for c in advanced[1:]]
    )
    excluded = f"toUInt8({depth} > 0 AND {start} = 0)"
    layers.append([f"(toUInt8({depth}), {start}, {excluded}, arraySlice([{stamps}], 1, {depth})) AS m"])
    return layers
