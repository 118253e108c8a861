"""Who may change an insight: dashboard restriction levels, privilege levels and access rules."""

from __future__ import annotations

import pytest

from analytics.models import Dashboard, DashboardPrivilege, DashboardTile, Insight
from tenancy.models import OrganizationMembership
from tests.factories import persona

pytestmark = pytest.mark.django_db
RESTRICTED = 37
OPEN = 21


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


@pytest.fixture
def admin(team):
    return persona("dana@example.com", team, level=OrganizationMembership.Level.ADMIN)


def _on(insight, *dashboards):
    for dashboard in dashboards:
        DashboardTile.objects.create(dashboard=dashboard, insight=insight)


def _levels(client, url, insight, persona):
    body = client.get(url(f"{insight.id}/"), **persona.auth).json()
    return body["effective_restriction_level"], body["effective_privilege_level"]


def test_levels_follow_the_dashboards(client, url, team, owner, member, admin):
    open_board = Dashboard.objects.create(team=team, name="Open", created_by=owner.user)
    locked = Dashboard.objects.create(
        team=team, name="Locked", created_by=owner.user, restriction_level=RESTRICTED
    )
    nowhere = Insight.objects.create(team=team, name="Loose")
    on_open = Insight.objects.create(team=team, name="Open only")
    on_locked = Insight.objects.create(team=team, name="Locked only")
    on_both = Insight.objects.create(team=team, name="Both")
    _on(on_open, open_board)
    _on(on_locked, locked)
    _on(on_both, open_board, locked)
    assert _levels(client, url, nowhere, member) == (OPEN, RESTRICTED)
    assert _levels(client, url, on_open, member) == (OPEN, RESTRICTED)
    assert _levels(client, url, on_locked, member) == (RESTRICTED, OPEN)
    assert _levels(client, url, on_both, member) == (RESTRICTED, RESTRICTED)
    assert _levels(client, url, on_locked, admin) == (RESTRICTED, RESTRICTED)
    assert _levels(client, url, on_locked, owner) == (RESTRICTED, RESTRICTED)  # creator of the dashboard


def test_member_cannot_edit_insight_on_restricted_dashboard(client, url, team, owner, member):
    locked = Dashboard.objects.create(
        team=team, name="Locked", created_by=owner.user, restriction_level=RESTRICTED
    )
    insight = Insight.objects.create(team=team, name="Locked only")
    _on(insight, locked)
    response = client.patch(url(f"{insight.id}/"), {"name": "mine now"}, format="json", **member.auth)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("This insight is on a dashboard that can only be edited")
    assert Insight.objects.get(pk=insight.pk).name == "Locked only"
    DashboardPrivilege.objects.create(dashboard=locked, user=member.user)
    assert (
        client.patch(url(f"{insight.id}/"), {"name": "ok"}, format="json", **member.auth).status_code == 200
    )


def test_adding_to_a_restricted_dashboard_needs_edit_rights(client, url, team, owner, member):
    locked = Dashboard.objects.create(
        team=team, name="Locked", created_by=owner.user, restriction_level=RESTRICTED
    )
    response = client.post(url(), {"name": "x", "dashboards": [locked.id]}, format="json", **member.auth)
    assert response.status_code == 403
    assert response.json()["detail"] == f"You don't have permission to add insights to dashboard: {locked.id}"
    assert (
        client.post(url(), {"name": "x", "dashboards": [locked.id]}, format="json", **owner.auth).status_code
        == 201
    )


def test_access_controls_shape_and_rules(client, url, team, owner, member):
    insight = Insight.objects.create(team=team, name="Guarded", created_by=owner.user)
    body = client.get(url(f"{insight.id}/access_controls/"), **owner.auth).json()
    assert body == {
        "access_controls": [],
        "available_access_levels": ["none", "viewer", "editor", "manager"],
        "default_access_level": "editor",
        "minimum_access_level": "none",
        "maximum_access_level": "manager",
        "user_access_level": "manager",
        "user_can_edit_access_levels": True,
    }
    membership = OrganizationMembership.objects.get(user=member.user)
    put = client.put(
        url(f"{insight.id}/access_controls/"),
        {"access_level": "viewer", "organization_member": membership.id},
        format="json",
        **owner.auth,
    )
    assert put.status_code == 200
    assert put.json()["access_level"] == "viewer" and put.json()["resource"] == "insight"
    assert put.json()["resource_id"] == str(insight.id) and put.json()["organization_member"] == membership.id
    # A viewer reads but may not write.
    assert client.get(url(f"{insight.id}/"), **member.auth).json()["user_access_level"] == "viewer"
    denied = client.patch(url(f"{insight.id}/"), {"name": "x"}, format="json", **member.auth)
    assert denied.status_code == 403
    assert denied.json()["detail"] == "You do not have editor access to this resource."
    # Members cannot change rules.
    assert (
        client.put(
            url(f"{insight.id}/access_controls/"), {"access_level": "editor"}, format="json", **member.auth
        ).status_code
        == 403
    )
    # none hides it from the member's list and retrieve; removing the rule restores access.
    client.put(url(f"{insight.id}/access_controls/"), {"access_level": "none"}, format="json", **owner.auth)
    client.put(
        url(f"{insight.id}/access_controls/"),
        {"access_level": None, "organization_member": membership.id},
        format="json",
        **owner.auth,
    )
    assert client.get(url(), **member.auth).json()["count"] == 0
    assert client.get(url(f"{insight.id}/"), **member.auth).status_code == 403
    deleted = client.put(
        url(f"{insight.id}/access_controls/"), {"access_level": None}, format="json", **owner.auth
    )
    assert deleted.status_code == 204
    assert client.get(url(), **member.auth).json()["count"] == 1


def test_access_controls_validation_and_scopes(client, url, team, owner):
    from tests.factories import make_key

    insight = Insight.objects.create(team=team, name="Guarded", created_by=owner.user)
    bad = client.put(
        url(f"{insight.id}/access_controls/"), {"access_level": "god"}, format="json", **owner.auth
    )
    assert bad.status_code == 400 and bad.json()["attr"] == "access_level"
    both = client.put(
        url(f"{insight.id}/access_controls/"),
        {"access_level": "viewer", "organization_member": "1", "role": "r"},
        format="json",
        **owner.auth,
    )
    assert both.status_code == 400
    reader = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner.user, ['access_control:read'])}"}
    assert client.get(url(f"{insight.id}/access_controls/"), **reader).status_code == 200
    assert (
        client.put(
            url(f"{insight.id}/access_controls/"), {"access_level": "viewer"}, format="json", **reader
        ).status_code
        == 403
    )


def test_detail_actions_need_access_to_the_insight(client, url, team, owner, member):
    insight = Insight.objects.create(team=team, name="Guarded", created_by=owner.user)
    membership = OrganizationMembership.objects.get(user=member.user)
    rule = {"access_level": "viewer", "organization_member": membership.id}
    client.put(url(f"{insight.id}/access_controls/"), rule, format="json", **owner.auth)
    # A viewer sees the sharing state and the activity but may not publish or rotate the link.
    assert client.get(url(f"{insight.id}/sharing/"), **member.auth).status_code == 200
    assert client.get(url(f"{insight.id}/activity/"), **member.auth).status_code == 200
    publish = client.patch(url(f"{insight.id}/sharing/"), {"enabled": True}, format="json", **member.auth)
    assert publish.status_code == 403
    assert publish.json()["detail"] == "You do not have editor access to this resource."
    assert client.post(url(f"{insight.id}/sharing/refresh/"), **member.auth).status_code == 403
    # With no access, no detail action reaches it.
    client.put(
        url(f"{insight.id}/access_controls/"), {**rule, "access_level": "none"}, format="json", **owner.auth
    )
    for method, suffix in [
        ("get", "sharing/"),
        ("get", "activity/"),
        ("get", "access_controls/"),
        ("post", "viewed/"),
    ]:
        response = getattr(client, method)(url(f"{insight.id}/{suffix}"), **member.auth)
        assert response.status_code == 403, suffix
    assert client.get(url(f"{insight.id}/sharing/"), **owner.auth).json()["enabled"] is False
