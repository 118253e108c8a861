"""Activity log of insights: exact before/after values, newest first, page-number pagination."""

from __future__ import annotations

import pytest

from analytics.models import Dashboard
from tests.factories import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


def test_create_update_and_delete_are_logged_with_changes(api, url, owner, team):
    dashboard = Dashboard.objects.create(team=team, name="Main")
    created = api.post(url(), {"name": "Pageviews", "tags": ["b", "a"]}, format="json").json()
    api.patch(
        url(f"{created['id']}/"),
        {
            "name": "Views",
            "description": "per day",
            "dashboards": [dashboard.id],
            "tags": ["a", "c"],
            "order": 3,
        },
        format="json",
    )
    api.patch(url(f"{created['id']}/"), {"deleted": True}, format="json")
    page = api.get(url(f"{created['id']}/activity/")).json()
    assert page["total_count"] == 3 and page["next"] is None and page["previous"] is None
    deleted, updated, creation = page["results"]
    assert creation["activity"] == "created"
    assert creation["scope"] == "Insight" and creation["item_id"] == str(created["id"])
    assert creation["user"] == {"first_name": owner.user.first_name, "email": owner.user.email}
    assert creation["detail"] == {
        "changes": None,
        "trigger": None,
        "name": "Pageviews",
        "short_id": created["short_id"],
    }
    assert updated["activity"] == "updated"
    # order is never diffed; tags are sorted lists; dashboards are {id, name} lists.
    assert updated["detail"]["changes"] == [
        {"type": "Insight", "action": "changed", "field": "name", "before": "Pageviews", "after": "Views"},
        {"type": "Insight", "action": "created", "field": "description", "before": None, "after": "per day"},
        {"type": "Insight", "action": "changed", "field": "tags", "before": ["a", "b"], "after": ["a", "c"]},
        {
            "type": "Insight",
            "action": "changed",
            "field": "dashboards",
            "before": [],
            "after": [{"id": dashboard.id, "name": "Main"}],
        },
    ]
    assert updated["detail"]["name"] == "Views"
    assert deleted["activity"] == "deleted"
    assert deleted["detail"]["changes"] == [
        {"type": "Insight", "action": "changed", "field": "deleted", "before": False, "after": True},
        {
            "type": "Insight",
            "action": "changed",
            "field": "dashboards",
            "before": [{"id": dashboard.id, "name": "Main"}],
            "after": [],
        },
    ]
    # A deleted insight's history stays readable.
    restored = api.patch(url(f"{created['id']}/"), {"deleted": False}, format="json")
    assert restored.status_code == 200
    assert api.get(url(f"{created['id']}/activity/")).json()["results"][0]["activity"] == "restored"


def test_unnamed_insights_and_unlogged_fields_write_nothing(api, url):
    unnamed = api.post(url(), {"filters": {"insight": "TRENDS"}}, format="json").json()
    api.patch(url(f"{unnamed['id']}/"), {"description": "x"}, format="json")
    named = api.post(url(), {"derived_name": "Auto title"}, format="json").json()
    api.patch(url(f"{named['id']}/"), {"order": 4, "saved": True}, format="json")
    assert api.get(url(f"{unnamed['id']}/activity/")).json()["total_count"] == 0
    entries = api.get(url(f"{named['id']}/activity/")).json()["results"]
    assert [e["activity"] for e in entries] == ["created"]
    assert entries[0]["detail"]["name"] == "Auto title"


def test_project_activity_is_newest_first_and_paginated(api, url):
    ids = [api.post(url(), {"name": f"i{n}"}, format="json").json()["id"] for n in range(3)]
    first = api.get(url("activity/"), {"limit": 2}).json()
    assert first["total_count"] == 3
    assert [e["item_id"] for e in first["results"]] == [str(ids[2]), str(ids[1])]
    assert "page=2" in first["next"] and first["previous"] is None
    second = api.get(first["next"]).json()
    assert [e["item_id"] for e in second["results"]] == [str(ids[0])]
    assert second["next"] is None and second["previous"] is not None
    assert api.get(url("activity/"), {"page": 9}).status_code == 404


def test_activity_needs_activity_log_scope(client, owner, url):
    key = make_key(owner.user, ["insight:write"])
    response = client.get(url("activity/"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'activity_log:read'"
    reader = make_key(owner.user, ["activity_log:read"])
    assert client.get(url("activity/"), HTTP_AUTHORIZATION=f"Bearer {reader}").status_code == 200


def test_activity_of_unknown_insight_is_404(api, url):
    assert api.get(url("123456/activity/")).status_code == 404
