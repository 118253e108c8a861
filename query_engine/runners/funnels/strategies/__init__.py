"""Per-actor funnel matching as ClickHouse array expressions, one module per order type.

Every strategy turns an actor's time-sorted event array into one tuple
``m = (steps_reached, t0, excluded, step_timestamps)`` entirely inside ClickHouse
(ordered and strict with vectorised array functions, unordered with an
``arrayFold`` over a sliding window), so a funnel is one scan of the events
with no per-actor work in Python. Each returns layers of SELECT columns, one
nested SELECT per layer, the last defining ``m``.

The event array holds named tuples ``(t Float64 seconds, k UInt8 sort key,
m UInt64 step mask[, p period][, b Array(String) breakdown])``: bit ``k-1``
of ``m`` is set for each 1-based step ``k`` the event matches, bit ``32+i``
for each exclusion guarding 0-based step ``i`` (an attempt that reached step
``i-1`` and not yet ``i``).
"""

from query_engine.runners.funnels.strategies.ordered import ordered_fold
from query_engine.runners.funnels.strategies.strict import strict_fold
from query_engine.runners.funnels.strategies.unordered import unordered_fold

FOLDS = {"ordered": ordered_fold, "strict": strict_fold, "unordered": unordered_fold}

__all__ = ["FOLDS", "ordered_fold", "strict_fold", "unordered_fold"]
