"""Annotations through HTTP on both prefixes: CRUD, soft delete, organization scope,
search and ordering, scopes and isolation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from analytics.models import Dashboard, Insight
from analytics.models.annotations import Annotation
from tenancy.models import Team
from tests.factories import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/annotations/{suffix}"


def test_create_retrieve_update_soft_delete(api, url, team, owner):
    insight = Insight.objects.create(team=team, name="Views")
    dashboard = Dashboard.objects.create(team=team, name="Growth")
    response = api.post(
        url(),
        {
            "content": "Launch",
            "date_marker": "2024-01-02T10:00:00Z",
            "scope": "dashboard_item",
            "dashboard_item": insight.id,
            "dashboard_id": dashboard.id,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content"] == "Launch" and body["date_marker"] == "2024-01-02T10:00:00Z"
    assert body["scope"] == "dashboard_item" and body["creation_type"] == "USR" and body["deleted"] is False
    assert body["dashboard_item"] == insight.id and body["insight_short_id"] == insight.short_id
    assert body["insight_name"] == "Views" and body["dashboard_id"] == dashboard.id
    assert body["dashboard_name"] == "Growth" and body["created_by"]["email"] == owner.user.email
    one = url(f"{body['id']}/")
    assert api.get(one).json()["content"] == "Launch"
    assert api.patch(one, {"content": "Launch v2"}, format="json").json()["content"] == "Launch v2"
    assert api.delete(one).status_code == 405
    assert api.patch(one, {"deleted": True}, format="json").json()["deleted"] is True
    assert api.get(url()).json()["count"] == 0
    assert api.get(one).json()["deleted"] is True


def test_list_order_search_and_organization_scope(api, url, team):
    sibling = Team.create_with_project(organization=team.organization, name="Sibling")
    make = Annotation.objects.create
    make(team=team, organization=team.organization, content="Old deploy", date_marker="2024-01-01T00:00Z")
    make(team=team, organization=team.organization, content="New deploy", date_marker="2024-01-03T00:00Z")
    make(
        team=sibling,
        organization=team.organization,
        content="Org deploy",
        date_marker="2024-01-02T00:00Z",
        scope="organization",
    )
    make(
        team=sibling,
        organization=team.organization,
        content="Sibling only",
        date_marker="2024-01-04T00:00Z",
        scope="project",
    )
    listed = api.get(url()).json()
    # Newest first; the sibling project's organization-wide note shows, its project note does not.
    assert [a["content"] for a in listed["results"]] == ["New deploy", "Org deploy", "Old deploy"]
    assert listed["count"] == 3
    assert [a["content"] for a in api.get(url(), {"search": "OLD"}).json()["results"]] == ["Old deploy"]
    assert [a["content"] for a in api.get(url(), {"limit": 1, "offset": 1}).json()["results"]] == [
        "Org deploy"
    ]


def test_foreign_insight_or_dashboard_is_400(api, url, outsider):
    foreign_insight = Insight.objects.create(team=outsider.team, name="Theirs")
    response = api.post(url(), {"content": "x", "dashboard_item": foreign_insight.id}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "dashboard_item"
    foreign_dashboard = Dashboard.objects.create(team=outsider.team, name="Theirs")
    response = api.post(url(), {"content": "x", "dashboard_id": foreign_dashboard.id}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "dashboard_id"
    response = api.post(url(), {"content": "x" * 401}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "content"
    assert Annotation.objects.count() == 0


def test_scopes(url, team, owner):
    note = Annotation.objects.create(team=team, organization=team.organization, content="n")

    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    reader, writer, other = (
        client(["annotation:read"]),
        client(["annotation:write"]),
        client(["dashboard:write"]),
    )
    one = url(f"{note.id}/")
    assert reader.get(url()).status_code == 200 and reader.get(one).status_code == 200
    assert reader.patch(one, {"content": "x"}, format="json").status_code == 403
    assert reader.post(url(), {"content": "x"}, format="json").status_code == 403
    assert writer.patch(one, {"content": "x"}, format="json").status_code == 200
    assert writer.post(url(), {"content": "y"}, format="json").status_code == 201
    assert other.get(url()).status_code == 403


def test_other_organizations_annotations_are_404(api, url, outsider):
    theirs = Annotation.objects.create(
        team=outsider.team, organization=outsider.team.organization, content="Theirs", scope="organization"
    )
    assert api.get(url(f"{theirs.id}/")).status_code == 404
    assert api.patch(url(f"{theirs.id}/"), {"content": "stolen"}, format="json").status_code == 404
    assert api.get(url()).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.content == "Theirs"
