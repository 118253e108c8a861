"""Strict funnels: step k must be the actor's very next event after step k-1.

Fed with every event of the actor (not only step events), so any other
event in between clears the partial attempt.
"""

from __future__ import annotations

from query_engine.runners.funnels.strategies.chains import chain_result


def strict_fold(n: int, window: str, *, events: str = "ev", **kwargs: object) -> list[list[str]]:
    """Layers of SELECT columns, the last one the actor's ``m``:
    ``(steps_reached, t0, excluded, step_timestamps)``."""
    return chain_result(n, window, events=events, strict=True, **kwargs)  # type: ignore[arg-type]
