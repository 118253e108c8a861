"""Reading and writing an insight's access rules."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied, ValidationError

from analytics.models import ACCESS_LEVELS_ORDER, DEFAULT_ACCESS_LEVEL, AccessControl, Insight
from analytics.services.insight_access import user_access_level
from tenancy.models import OrganizationMembership

RESOURCE = "insight"


def access_controls_summary(*, insight: Insight, user: Any) -> dict[str, Any]:
    """The rules of one insight plus what the caller may do with them."""
    level = user_access_level(
        user=user, team=insight.team, resource_id=insight.id, creator_id=insight.created_by_id
    )
    rules = AccessControl.objects.filter(team=insight.team, resource=RESOURCE, resource_id=str(insight.id))
    return {
        "access_controls": list(rules.order_by("created_at", "id")),
        "available_access_levels": list(ACCESS_LEVELS_ORDER),
        "default_access_level": DEFAULT_ACCESS_LEVEL,
        "minimum_access_level": ACCESS_LEVELS_ORDER[0],
        "maximum_access_level": ACCESS_LEVELS_ORDER[-1],
        "user_access_level": level,
        "user_can_edit_access_levels": level == "manager",
    }


def _member(*, insight: Insight, raw: Any) -> OrganizationMembership | None:
    if raw in (None, ""):
        return None
    try:
        member_id = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"organization_member": "Unknown organization member."}) from None
    found = OrganizationMembership.objects.filter(
        id=member_id, organization_id=insight.team.organization_id
    ).first()
    if found is None:
        raise ValidationError({"organization_member": "Unknown organization member."})
    return found


def set_access_control(
    *, insight: Insight, user: Any, access_level: str | None, organization_member: Any = None
) -> AccessControl | None:
    """Upsert the rule for a member (or everyone); ``access_level=None`` deletes it and returns None."""
    level = user_access_level(
        user=user, team=insight.team, resource_id=insight.id, creator_id=insight.created_by_id
    )
    if level != "manager":
        raise PermissionDenied("Must be manager to modify insight permissions.")
    member = _member(insight=insight, raw=organization_member)
    lookup: dict[str, Any] = {
        "team": insight.team,
        "resource": RESOURCE,
        "resource_id": str(insight.id),
        "organization_member": member,
    }
    if access_level is None:
        AccessControl.objects.filter(**lookup).delete()
        return None
    rule, _ = AccessControl.objects.update_or_create(
        **lookup, defaults={"access_level": access_level, "created_by": user}
    )
    return rule
