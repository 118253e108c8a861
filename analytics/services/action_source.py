"""The engine's source of saved actions (registered in ``AnalyticsConfig.ready``)."""

from __future__ import annotations

from analytics.models import Action
from query_engine.actions import action_def
from query_engine.model import ActionDef


def saved_actions(team_id: int, ids: frozenset[int]) -> dict[int, ActionDef]:
    rows = Action.objects.filter(team_id=team_id, id__in=ids, deleted=False)
    return {row.id: action_def(row.id, row.name, row.steps) for row in rows}


def saved_action_named(team_id: int, name: str) -> ActionDef | None:
    row = Action.objects.filter(team_id=team_id, name=name, deleted=False).order_by("id").first()
    return action_def(row.id, row.name, row.steps) if row is not None else None
