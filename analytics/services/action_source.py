"""The engine's source of saved actions (registered in ``AnalyticsConfig.ready``)."""

from __future__ import annotations

from analytics.models import Action
from query_engine.actions import action_def
from query_engine.model import ActionDef


def saved_actions(team_id: int, ids: frozenset[int]) -> dict[int, ActionDef]:
    rows = Action.objects.filter(team_id=team_id, id__in=ids, deleted=False)
    return {row.id: action_def(row.id, row.name, row.steps) for row in rows}
