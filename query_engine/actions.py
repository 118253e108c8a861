"""Load saved actions for a team into the pure model (the only I/O for actions)."""

from __future__ import annotations

from typing import Any

from query_engine.model import ActionDef, ActionStep, Series
from query_engine.nodes import parse_properties

URL_MATCHING = ("exact", "contains", "regex")


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
                properties=parse_properties(step.get("properties")),
            )
        )
    return ActionDef(id=action_id, name=name, steps=tuple(parsed))


def load_actions(team: Any, series: list[Series]) -> dict[int, ActionDef]:
    """Actions referenced by ``series``; unknown ids are absent (they match nothing)."""
    from analytics.models import Action

    ids = {s.action_id for s in series if s.kind == "actions" and s.action_id is not None}
    if not ids:
        return {}
    rows = Action.objects.filter(team_id=team.id, id__in=ids, deleted=False)
    return {row.id: action_def(row.id, row.name, row.steps) for row in rows}
