"""Creating and changing actions, with their tags and activity-log entries."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from analytics.models import Action, Tag
from analytics.services.activity import changes_between, log_activity
from analytics.services.insights import normalize_tags
from tenancy.models import Team

SCOPE = "Action"
PLAIN_FIELDS = (
    "name",
    "description",
    "steps",
    "deleted",
    "post_to_slack",
    "slack_message_format",
    "pinned_at",
)
LOGGED_FIELDS = ("name", "description", "steps", "deleted", "pinned_at")


def _snapshot(action: Action) -> dict[str, Any]:
    values = {field: getattr(action, field) for field in LOGGED_FIELDS}
    values["pinned_at"] = action.pinned_at.isoformat() if action.pinned_at else None
    values["tags"] = sorted(action.tags.values_list("name", flat=True))
    return values


def _set_tags(action: Action, names: list[str]) -> None:
    action.tags.set(
        [Tag.objects.get_or_create(team=action.team, name=name)[0] for name in normalize_tags(names)]
    )


@transaction.atomic
def create_action(*, team: Team, user: Any, data: dict[str, Any]) -> Action:
    fields = {key: data[key] for key in PLAIN_FIELDS if key in data}
    action = Action.objects.create(team=team, created_by=user if user.is_authenticated else None, **fields)
    if "tags" in data:
        _set_tags(action, data["tags"])
    log_activity(team=team, user=user, scope=SCOPE, item_id=action.id, activity="created", name=action.name)
    return action


def _activity(before: dict[str, Any], after: dict[str, Any]) -> str:
    if not before["deleted"] and after["deleted"]:
        return "deleted"
    return "updated"  # PostHog logs a restore as an update


@transaction.atomic
def update_action(*, action: Action, user: Any, data: dict[str, Any]) -> Action:
    before = _snapshot(action)
    for key in PLAIN_FIELDS:
        if key in data:
            setattr(action, key, data[key])
    action.save()
    if "tags" in data:
        _set_tags(action, data["tags"])
    after = _snapshot(action)
    changes = changes_between(type=SCOPE, before=before, after=after)
    if changes:
        log_activity(
            team=action.team,
            user=user,
            scope=SCOPE,
            item_id=action.id,
            activity=_activity(before, after),
            name=action.name,
            changes=changes,
        )
    return action
