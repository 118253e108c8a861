"""Ordered funnels: step k after step k-1, any events in between, inside the window from step 1."""

from __future__ import annotations

from query_engine.runners.funnels.strategies.chains import chain_result


def ordered_fold(n: int, window: str, *, events: str = "ev", **kwargs: object) -> list[list[str]]:
    """Layers of SELECT columns, the last one the actor's ``m``:
    ``(steps_reached, t0, excluded, step_timestamps)``."""
    return chain_result(n, window, events=events, strict=False, **kwargs)  # type: ignore[arg-type]
