"""A database filled before ``tenancy`` existed migrates forward with its data intact.

The database is taken back to the previous main's leaf migrations (User, Organization, Membership,
Project and Team still analytics models), filled through that state's historical models, then
migrated forward; the rows are read back through today's ORM and an authenticated HTTP call.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from access_control.models import PersonalAPIKey, hash_key
from analytics.models import Insight
from tenancy.models import Organization, OrganizationMembership, Project, Team, User

# The leaves of the migration graph before the models moved to tenancy.
BEFORE_TENANCY = [
    ("tenancy", None),
    ("analytics", "0003_merge_0002_action_0002_insights"),
    ("access_control", "0002_initial"),
]
KEY = "phx_" + "k" * 48
OTHER_KEY = "phx_" + "o" * 48


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest_leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_database_from_before_tenancy_keeps_users_keys_and_insights():
    latest = _latest_leaves()
    executor = _migrate(BEFORE_TENANCY)
    old = executor.loader.project_state(BEFORE_TENANCY[1:]).apps
    # The old state really is the old layout: users and teams belong to analytics.
    assert old.get_model("analytics", "User")._meta.db_table == "analytics_user"
    assert ("tenancy", "team") not in {(m._meta.app_label, m._meta.model_name) for m in old.get_models()}

    OldUser = old.get_model("analytics", "User")
    OldOrganization = old.get_model("analytics", "Organization")
    OldMembership = old.get_model("analytics", "OrganizationMembership")
    OldProject = old.get_model("analytics", "Project")
    OldTeam = old.get_model("analytics", "Team")
    OldKey = old.get_model("access_control", "PersonalAPIKey")
    OldInsight = old.get_model("analytics", "Insight")

    ada = OldUser.objects.create(username="ada@example.com", email="ada@example.com", password="!")
    bob = OldUser.objects.create(username="bob@example.com", email="bob@example.com", password="!")
    acme = OldOrganization.objects.create(name="Acme")
    other = OldOrganization.objects.create(name="Other")
    OldMembership.objects.create(organization=acme, user=ada, level=15)
    OldMembership.objects.create(organization=other, user=bob, level=1)
    team = OldTeam.objects.create(organization=acme, name="Web", api_token="phc_web", timezone="Europe/Paris")
    OldProject.objects.create(id=team.id, organization=acme, name="Web")
    OldTeam.objects.filter(id=team.id).update(project_id=team.id)
    other_team = OldTeam.objects.create(organization=other, name="Other", api_token="phc_other")
    OldProject.objects.create(id=other_team.id, organization=other, name="Other")
    OldUser.objects.filter(id=ada.id).update(current_team=team)
    OldKey.objects.create(
        user=ada, label="ci", secure_value=hash_key(KEY), mask_value="phx_...kkkk", scopes=["insight:read"]
    )
    OldKey.objects.create(
        user=bob, label="bob", secure_value=hash_key(OTHER_KEY), mask_value="phx_...oooo", scopes=["*"]
    )
    insight = OldInsight.objects.create(
        team=team,
        short_id="Old12345",
        name="Signups",
        filters={"insight": "TRENDS", "events": [{"id": "signup"}]},
        created_by=ada,
        saved=True,
    )

    _migrate(latest)

    user = User.objects.get(email="ada@example.com")
    assert user.id == ada.id
    assert user.current_team_id == team.id
    assert [t.id for t in user.teams()] == [team.id]
    assert OrganizationMembership.objects.get(user=user).organization.name == "Acme"
    assert Organization.objects.count() == 2
    assert Project.objects.get(id=team.id).organization_id == acme.id
    restored = Team.objects.get(id=team.id)
    assert (restored.name, restored.api_token, restored.timezone, restored.project_id) == (
        "Web",
        "phc_web",
        "Europe/Paris",
        team.id,
    )
    key = PersonalAPIKey.objects.get(user=user)
    assert (key.label, key.scopes) == ("ci", ["insight:read"])
    saved = Insight.objects.get(id=insight.id)
    assert (saved.team_id, saved.created_by.email, saved.short_id) == (team.id, "ada@example.com", "Old12345")

    client = APIClient()
    response = client.get(f"/api/projects/{team.id}/insights/?basic=true", HTTP_AUTHORIZATION=f"Bearer {KEY}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["id"], r["short_id"], r["name"]) for r in body["results"]] == [
        (insight.id, "Old12345", "Signups")
    ]
    # Bob's old key still works, and still only for his own organization's project.
    assert client.get("/api/users/@me/", HTTP_AUTHORIZATION=f"Bearer {OTHER_KEY}").json()["email"] == (
        "bob@example.com"
    )
    denied = client.get(f"/api/projects/{team.id}/insights/", HTTP_AUTHORIZATION=f"Bearer {OTHER_KEY}")
    assert denied.status_code == 404
