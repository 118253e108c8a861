"""Writing the activity log: field-level changes between two snapshots of an object."""

from __future__ import annotations

from typing import Any

from analytics.models import ActivityLog
from tenancy.models import Team


def change(*, type: str, field: str, before: Any, after: Any) -> dict[str, Any]:
    """PostHog's change shape: ``created`` from nothing, ``deleted`` to nothing, else ``changed``."""
    if before is None:
        action = "created"
    elif after is None:
        action = "deleted"
    else:
        action = "changed"
    return {"type": type, "action": action, "field": field, "before": before, "after": after}


def changes_between(*, type: str, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """One change per field whose value differs, in the order of ``after``'s keys."""
    return [
        change(type=type, field=field, before=before.get(field), after=value)
        for field, value in after.items()
        if before.get(field) != value
    ]


def log_activity(
    *,
    team: Team,
    user: Any,
    scope: str,
    item_id: Any,
    activity: str,
    name: str | None,
    short_id: str | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> ActivityLog:
    """Store one entry; an anonymous or missing user is logged as the system."""
    real_user = user if getattr(user, "is_authenticated", False) else None
    return ActivityLog.objects.create(
        team=team,
        organization_id=team.organization_id,
        user=real_user,
        is_system=real_user is None,
        scope=scope,
        item_id=str(item_id),
        activity=activity,
        detail={"changes": changes or None, "trigger": None, "name": name, "short_id": short_id},
    )
