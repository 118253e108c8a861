"""Saved actions for the pure model, read through a source the app registers.

The engine owns no tables: the app registers a function that returns the
``ActionDef`` of each known, non-deleted action id of a team
(``analytics/services/action_source.py``). Unknown ids are absent and match nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from query_engine.model import ActionDef, ActionStep, Series
from query_engine.nodes import parse_properties
from query_engine.team import TeamContext

URL_MATCHING = ("exact", "contains", "regex")

ActionSource = Callable[[int, frozenset[int]], dict[int, ActionDef]]
_source: ActionSource | None = None


def register_action_source(source: ActionSource | None) -> None:
    global _source
    _source = source


def action_def(action_id: int, name: str, steps: Any) -> ActionDef:
    parsed = []
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        matching = step.get("url_matching") or "contains"
        parsed.append(
            ActionStep(
                event=step.get("event") or None,
                url=step.get("url") or None,
                url_matching=matching if matching in URL_MATCHING else "contains",
                properties=parse_properties(step.get("properties"), f"action_{action_id}__steps__properties"),
            )
        )
    return ActionDef(id=action_id, name=name, steps=tuple(parsed))


def load_actions(team: TeamContext, series: Iterable[Series]) -> dict[int, ActionDef]:
    """Actions referenced by ``series``; unknown ids are absent (they match nothing)."""
    ids = frozenset(s.action_id for s in series if s.kind == "actions" and s.action_id is not None)
    if not ids:
        return {}
    if _source is None:
        raise RuntimeError("no action source registered (query_engine.actions.register_action_source)")
    return _source(team.id, ids)
