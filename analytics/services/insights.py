"""Creating and changing insights, with their tags, dashboard tiles, views and activity."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied, ValidationError

from analytics.models import Dashboard, DashboardTile, Insight, InsightViewed, Tag
from analytics.services.activity import changes_between, log_activity
from analytics.services.insight_access import COLLABORATORS, can_edit_dashboard, effective_privilege_level
from tenancy.models import Team

SCOPE = "Insight"
# Writing any of these moves last_modified_at (PostHog's "material" fields).
MATERIAL_FIELDS = ("name", "description", "filters", "query")
# Fields the activity log compares; everything else (order, saved, timestamps…) is not logged.
LOGGED_FIELDS = ("name", "derived_name", "description", "filters", "query", "deleted", "favorited")
PLAIN_FIELDS = (
    "name",
    "derived_name",
    "description",
    "filters",
    "query",
    "order",
    "deleted",
    "favorited",
    "saved",
)
RESTRICTED_INSIGHT = (
    "This insight is on a dashboard that can only be edited by its owner, team members invited to "
    "editing the dashboard, and project admins."
)


def normalize_tags(names: list[str]) -> list[str]:
    """Trimmed, lower-cased, de-duplicated, sorted; blanks dropped."""
    return sorted({str(name).strip().lower() for name in names if str(name).strip()})


def snapshot(insight: Insight) -> dict[str, Any]:
    """The logged view of an insight, as stored now."""
    values = {field: getattr(insight, field) for field in LOGGED_FIELDS}
    values["tags"] = sorted(insight.tags.values_list("name", flat=True))
    tiles = insight.dashboard_tiles.filter(dashboard__deleted=False).exclude(deleted=True)
    values["dashboards"] = [
        {"id": tile.dashboard_id, "name": tile.dashboard.name}
        for tile in tiles.select_related("dashboard").order_by("dashboard_id")
    ]
    return values


def _display_name(insight: Insight) -> str | None:
    return insight.name or insight.derived_name or None


def _set_tags(*, insight: Insight, names: list[str]) -> None:
    tags = [Tag.objects.get_or_create(team=insight.team, name=name)[0] for name in normalize_tags(names)]
    insight.tags.set(tags)


def _dashboards(*, team: Team, ids: list[int]) -> list[Dashboard]:
    found = {d.id: d for d in Dashboard.objects.filter(team=team, id__in=ids, deleted=False)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"dashboards": f"Dashboard not found: {missing[0]}"})
    return [found[i] for i in ids]


def _set_dashboards(*, insight: Insight, user: Any, ids: list[int]) -> None:
    """Make the live tiles exactly ``ids``: add or revive the new, soft-delete the dropped."""
    wanted = {d.id: d for d in _dashboards(team=insight.team, ids=ids)}
    tiles = {tile.dashboard_id: tile for tile in insight.dashboard_tiles.select_related("dashboard")}
    for dashboard_id, dashboard in wanted.items():
        tile = tiles.get(dashboard_id)
        if tile is not None and not tile.deleted:
            continue
        if not can_edit_dashboard(dashboard=dashboard, user=user):
            raise PermissionDenied(f"You don't have permission to add insights to dashboard: {dashboard_id}")
        if tile is None:
            DashboardTile.objects.create(dashboard=dashboard, insight=insight)
        else:
            tile.deleted = False
            tile.save(update_fields=["deleted"])
    for dashboard_id, tile in tiles.items():
        if dashboard_id in wanted or tile.deleted:
            continue
        if not can_edit_dashboard(dashboard=tile.dashboard, user=user):
            raise PermissionDenied(
                f"You don't have permission to remove insights from dashboard: {dashboard_id}"
            )
        tile.deleted = True
        tile.save(update_fields=["deleted"])


def record_views(*, team: Team, user: Any, insight_ids: list[int]) -> int:
    """Upsert (team, user, insight) → now for the live insights of ``team``; returns how many."""
    live = list(
        Insight.objects.filter(team=team, deleted=False, id__in=insight_ids).values_list("id", flat=True)
    )
    now = timezone.now()
    for insight_id in live:
        InsightViewed.objects.update_or_create(
            team=team, user=user, insight_id=insight_id, defaults={"last_viewed_at": now}
        )
    return len(live)


def last_viewed(*, team: Team, user: Any, limit: int = 5) -> list[Insight]:
    """The user's most recently viewed live insights of this team, newest first."""
    views = (
        InsightViewed.objects.filter(team=team, user=user, insight__deleted=False)
        .select_related("insight")
        .order_by("-last_viewed_at", "-id")[:limit]
    )
    return [view.insight for view in views]


@transaction.atomic
def create_insight(*, team: Team, user: Any, data: dict[str, Any]) -> Insight:
    """Create from validated fields; ``created``+ logged only when the insight has a name."""
    fields = {key: data[key] for key in PLAIN_FIELDS if key in data}
    fields.setdefault("filters", {})
    insight = Insight.objects.create(team=team, created_by=user, last_modified_by=user, **fields)
    if "tags" in data:
        _set_tags(insight=insight, names=data["tags"])
    if data.get("dashboards"):
        _set_dashboards(insight=insight, user=user, ids=data["dashboards"])
    record_views(team=team, user=user, insight_ids=[insight.id])
    if _display_name(insight):
        log_activity(
            team=team,
            user=user,
            scope=SCOPE,
            item_id=insight.id,
            activity="created",
            name=_display_name(insight),
            short_id=insight.short_id,
        )
    return insight


def _update_activity(before: dict[str, Any], after: dict[str, Any]) -> str:
    if not before["deleted"] and after["deleted"]:
        return "deleted"
    if before["deleted"] and not after["deleted"]:
        return "restored"
    return "updated"


@transaction.atomic
def update_insight(*, insight: Insight, user: Any, data: dict[str, Any]) -> Insight:
    """Apply validated fields; logs the field-level diff as one entry (none if nothing logged changed)."""
    if effective_privilege_level(insight=insight, user=user) < COLLABORATORS:
        raise PermissionDenied(RESTRICTED_INSIGHT)
    before = snapshot(insight)
    for key in PLAIN_FIELDS:
        if key in data:
            setattr(insight, key, data[key])
    if any(key in data for key in MATERIAL_FIELDS):
        insight.last_modified_at = timezone.now()
        insight.last_modified_by = user
    insight.is_sample = False
    insight.save()
    if "tags" in data:
        _set_tags(insight=insight, names=data["tags"])
    if "dashboards" in data:
        _set_dashboards(insight=insight, user=user, ids=data["dashboards"])
    if data.get("deleted") is True:
        insight.dashboard_tiles.update(deleted=True)
    after = snapshot(insight)
    changes = changes_between(type=SCOPE, before=before, after=after)
    if changes and _display_name(insight):
        log_activity(
            team=insight.team,
            user=user,
            scope=SCOPE,
            item_id=insight.id,
            activity=_update_activity(before, after),
            name=_display_name(insight),
            short_id=insight.short_id,
            changes=changes,
        )
    return insight


def find_insight(queryset: QuerySet[Insight], lookup: str) -> Insight | None:
    """The insight a URL names, by id or else short id.

    Both lookups are unique (pk; team + short_id), so no ORDER BY: ordering makes
    Django hash every selected column while compiling.
    """
    insight = next(iter(queryset.filter(pk=int(lookup))[:1]), None) if lookup.isdigit() else None
    return insight or next(iter(queryset.filter(short_id=lookup)[:1]), None)
