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

EXCLUSION_BIT = 32  # matches funnels.sql: exclusion guarding step i is bit 32 + i


class Names:
    """Each sub-array is one SELECT column (``expr AS name``) referred to by name.

    ClickHouse resolves aliases across the whole SELECT, so every array is
    computed once per row and the SQL text stays linear in the step count.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.definitions: dict[str, str] = {}

    def __call__(self, name: str, expr: str) -> str:
        alias = f"{self.prefix}{name}"
        self.definitions.setdefault(alias, f"{expr} AS {alias}")
        return alias


def _shift(array: str) -> str:
    """``array`` moved one position right: element q is the value after event q-1."""
    return f"arrayPopBack(arrayPushFront({array}, 0.))"


class Chain:
    """Builds the arrays of one actor's funnel, each named once."""

    def __init__(
        self, n: int, window: str, events: str, strict: bool, attribution: dict[int, str], prefix: str
    ):
        self.n, self.window, self.events, self.strict = n, window, events, strict
        self.attribution = attribution
        self.name = Names(prefix)

    def times(self) -> str:
        return self.name("t", f"arrayMap(e -> e.t, {self.events})")

    def matches(self, k: int) -> str:
        extra = f" AND e.b = {self.attribution[k]}" if k in self.attribution else ""
        return self.name(f"m{k}", f"arrayMap(e -> bitTest(e.m, {k - 1}){extra}, {self.events})")

    def advanced(self, k: int) -> str:
        """``c_k``: the attempt start each event moves to step ``k``."""
        if k == 1:
            return self.name("c1", f"arrayMap((m, t) -> if(m, t, 0.), {self.matches(1)}, {self.times()})")
        expr = (
            f"arrayMap((m, p, t) -> if(m AND p > 0 AND t - p <= {self.window}, p, 0.),"
            f" {self.matches(k)}, {self.previous(k - 1)}, {self.times()})"
        )
        return self.name(f"c{k}", expr)

    def previous(self, k: int) -> str:
        return self.name(f"p{k}", _shift(self.stored(k)))

    def stored(self, k: int) -> str:
        """``A_k``."""
        if k == 1 and self.strict:
            return self.advanced(1)
        if not self.strict:
            return self.name(f"a{k}", f"arrayFill(x -> x > 0, {self.advanced(k)})")
        # Cleared by a non-matching event; a matching event that cannot advance keeps the value.
        marked = (
            f"arrayMap((m, p, t) -> if(NOT m, 0., if(p > 0 AND t - p <= {self.window}, p, -1.)),"
            f" {self.matches(k)}, {self.previous(k - 1)}, {self.times()})"
        )
        return self.name(f"a{k}", f"arrayMap(x -> if(x < 0, 0., x), arrayFill(x -> x >= 0, {marked}))")

    def excluded_starts(self) -> str:
        """Starts of attempts an exclusion event met: code -(i+1) meets the attempt stored at step i."""
        hits = []
        for i in range(1, self.n):
            flags = f"arrayMap(e -> bitTest(e.m, {EXCLUSION_BIT + i}), {self.events})"
            hits.append(
                f"arrayMap((x, a, b, t) -> if(x AND a > 0 AND a != b AND t - a <= {self.window}, a, 0.),"
                f" {flags}, {self.previous(i)}, {self.previous(i + 1)}, {self.times()})"
            )
        return self.name("x", f"arrayConcat({', '.join(hits)})")


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
) -> tuple[list[str], str]:
    """Extra SELECT columns, and the reported attempt's ``(steps_reached, t0, excluded, timestamps)``."""
    attribution = {attribution_step + 1: prop_val} if attribution_step is not None else {}
    chain = Chain(n, window, events, strict, attribution, prefix)
    advanced = [chain.advanced(k) for k in range(1, n + 1)]
    reached = ", ".join(f"if(arrayExists(x -> x > 0, {c}), {k}, 0)" for k, c in enumerate(advanced, 1))
    depth = chain.name("d", f"greatest({reached})")
    candidates = chain.name("k", f"arrayDistinct(arrayFilter(x -> x > 0, [{', '.join(advanced)}][{depth}]))")
    if with_exclusions and n > 1:
        first = f"arrayFirst(x -> NOT has({chain.excluded_starts()}, x), {candidates})"
    else:
        first = f"{candidates}[1]"
    start = chain.name("s", first)
    stamps = ", ".join(
        [start] + [f"{chain.times()}[arrayFirstIndex(x -> x = {start}, {c})]" for c in advanced[1:]]
    )
    excluded = f"toUInt8({depth} > 0 AND {start} = 0)"
    result = f"(toUInt8({depth}), {start}, {excluded}, arraySlice([{stamps}], 1, {depth}))"
    return list(chain.name.definitions.values()), result
