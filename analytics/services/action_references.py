"""Where an action is used: the project's live insights whose query or legacy filters name it
(by id in a series, entity or ``actions`` list, or in HogQL ``matchesAction``)."""

from __future__ import annotations

from typing import Any

from analytics.models import Action, Insight
from query_engine.actions import referenced_actions

MAX_REFERENCES = 50  # as PostHog caps the list


def _names(insight: Insight, action: Action) -> bool:
    for document in (insight.query, insight.filters):
        ids, names = referenced_actions(document)
        if action.id in ids or action.name in names:
            return True
    return False


def action_references(action: Action) -> list[dict[str, Any]]:
    insights = (
        Insight.objects.filter(team_id=action.team_id, deleted=False)
        .select_related("created_by")
        .only("id", "short_id", "name", "derived_name", "query", "filters", "created_at", "created_by")
        .order_by("id")
    )
    found = []
    for insight in insights.iterator(chunk_size=500):
        if _names(insight, action):
            found.append(
                {
                    "type": "insight",
                    "id": insight.short_id,
                    "name": insight.name or insight.derived_name or "Unnamed",
                    "url": f"/insights/{insight.short_id}",
                    "created_at": insight.created_at,
                    "created_by": insight.created_by,
                }
            )
            if len(found) == MAX_REFERENCES:
                break
    return found
