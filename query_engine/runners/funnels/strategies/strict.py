"""Strict funnels: step k must be the actor's very next event after step k-1.

Same state machine as ordered funnels, fed with every event of the actor,
clearing after each event every partial attempt the event did not advance.
"""

from __future__ import annotations

from query_engine.runners.funnels.strategies.ordered import fold_expression


def strict_fold(n: int, window: str, **kwargs: object) -> str:
    state = fold_expression(n, window, strict=True, **kwargs)  # type: ignore[arg-type]
    return f"tupleElement({state}, 3)"
