"""Cohorts through HTTP on both prefixes: CRUD with PostHog's fields, soft delete,
definition validation (400 naming the field), loops, scopes and project isolation.
Membership (ClickHouse) is tested in test_cohorts_membership.py."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from analytics.models import Cohort
from tests.factories import make_key

pytestmark = pytest.mark.django_db

EMAIL_FILTER = {
    "properties": {
        "type": "AND",
        "values": [{"type": "person", "key": "email", "operator": "icontains", "value": "@acme.com"}],
    }
}


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/cohorts/{suffix}"


def test_create_retrieve_update_soft_delete(api, url, owner):
    response = api.post(url(), {"name": "Acme", "description": "d", "filters": EMAIL_FILTER}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Acme" and body["description"] == "d" and body["filters"] == EMAIL_FILTER
    assert body["is_static"] is False and body["deleted"] is False and body["groups"] == []
    assert body["cohort_type"] == "person_property" and body["created_by"]["email"] == owner.user.email
    # Queued: calculating until the worker finishes (no worker commits in this test).
    assert body["is_calculating"] is True and body["count"] is None and body["errors_calculating"] == 0
    assert body["last_calculation"] is None and body["version"] is None
    one = url(f"{body['id']}/")
    assert api.get(one).json()["name"] == "Acme"
    assert api.patch(one, {"name": "Acme 2"}, format="json").json()["name"] == "Acme 2"
    assert api.delete(one).status_code == 405
    assert api.patch(one, {"deleted": True}, format="json").json()["deleted"] is True
    assert api.get(url()).json()["count"] == 0
    assert api.get(one).json()["deleted"] is True


def test_list_newest_first_with_filters(api, url, team, owner):
    make = Cohort.objects.create
    make(team=team, name="Alpha", is_static=True, created_by=owner.user)
    make(team=team, name="Beta", filters=EMAIL_FILTER)
    make(team=team, name="Gone", deleted=True)
    listed = api.get(url()).json()
    assert [c["name"] for c in listed["results"]] == ["Beta", "Alpha"] and listed["count"] == 2
    assert [c["name"] for c in api.get(url(), {"type": "static"}).json()["results"]] == ["Alpha"]
    assert [c["name"] for c in api.get(url(), {"type": "dynamic"}).json()["results"]] == ["Beta"]
    assert api.get(url(), {"type": "behavioral"}).json()["attr"] == "type"
    assert [c["name"] for c in api.get(url(), {"search": "bet"}).json()["results"]] == ["Beta"]
    assert [c["name"] for c in api.get(url(), {"created_by_id": owner.user.id}).json()["results"]] == [
        "Alpha"
    ]
    for bad in ("me", "-1", "18446744073709551616"):
        refused = api.get(url(), {"created_by_id": bad})
        assert refused.status_code == 400 and refused.json()["attr"] == "created_by_id"


def test_legacy_groups_are_shown_as_filters(api, url):
    groups = [
        {"properties": [{"key": "plan", "value": "pro", "operator": "exact"}]},
        {"event_id": "paid", "days": 7},
    ]
    body = api.post(url(), {"name": "Legacy", "groups": groups}, format="json").json()
    assert body["groups"] == groups and body["cohort_type"] == "behavioral"
    first, second = body["filters"]["properties"]["values"]
    assert body["filters"]["properties"]["type"] == "OR"
    assert first == {
        "type": "AND",
        "values": [{"type": "person", "key": "plan", "value": "pro", "operator": "exact"}],
    }
    assert second["type"] == "behavioral" and second["key"] == "paid" and second["time_value"] == 7


@pytest.mark.parametrize(
    ("filters", "attr"),
    [
        ({"nope": 1}, "filters"),
        (
            {"properties": {"type": "AND", "values": [{"type": "person", "key": "x"}]}},
            "filters__properties__values__0__value",
        ),
        (
            {
                "properties": {
                    "type": "AND",
                    "values": [{"type": "person", "key": "x", "value": 1, "operator": "bad"}],
                }
            },
            "filters__properties__values__0__operator",
        ),
        (
            {"properties": {"type": "OR", "values": [{"type": "event", "key": "x", "value": 1}]}},
            "filters__properties__values__0__type",
        ),
        (
            {
                "properties": {
                    "type": "OR",
                    "values": [
                        {
                            "type": "AND",
                            "values": [
                                {
                                    "type": "behavioral",
                                    "key": "e",
                                    "value": "performed_event_sequence",
                                    "time_value": 3,
                                }
                            ],
                        }
                    ],
                }
            },
            "filters__properties__values__0__values__0__value",
        ),
        (
            {
                "properties": {
                    "type": "AND",
                    "values": [{"type": "behavioral", "key": "e", "value": "performed_event"}],
                }
            },
            "filters__properties__values__0__time_value",
        ),
        (
            {"properties": {"type": "AND", "values": [{"type": "cohort", "key": "id", "value": 1e30}]}},
            "filters__properties__values__0__value",
        ),
    ],
)
def test_invalid_definitions_are_400(api, url, filters, attr):
    response = api.post(url(), {"name": "Bad", "filters": filters}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr
    assert Cohort.objects.count() == 0


def _cohort_filter(cohort_id, negation=False):
    return {
        "properties": {
            "type": "AND",
            "values": [{"type": "cohort", "key": "id", "value": cohort_id, "negation": negation}],
        }
    }


def test_cohort_loops_and_foreign_cohorts_are_refused(api, url, team, outsider):
    a = api.post(url(), {"name": "A", "filters": EMAIL_FILTER}, format="json").json()
    b = api.post(url(), {"name": "B", "filters": _cohort_filter(a["id"])}, format="json").json()
    response = api.patch(url(f"{a['id']}/"), {"filters": _cohort_filter(b["id"])}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Cohorts cannot reference other cohorts in a loop."
    theirs = Cohort.objects.create(team=outsider.team, name="Theirs", is_static=True)
    response = api.post(url(), {"name": "C", "filters": _cohort_filter(theirs.id)}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "filters"


def test_static_cohort_cannot_become_dynamic_and_query_is_refused(api, url):
    static = api.post(url(), {"name": "S", "is_static": True}, format="json").json()
    assert static["count"] == 0 and static["is_calculating"] is False and static["cohort_type"] == "static"
    response = api.patch(url(f"{static['id']}/"), {"is_static": False}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "is_static"
    response = api.post(
        url(), {"name": "Q", "is_static": True, "query": {"kind": "ActorsQuery"}}, format="json"
    )
    assert response.status_code == 400 and response.json()["attr"] == "query"


def test_csv_on_dynamic_cohort_is_400(api, url):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ids.csv", b"a\nb\n", content_type="text/csv")
    response = api.post(url(), {"name": "D", "csv": upload}, format="multipart")
    assert response.status_code == 400 and response.json()["attr"] == "csv"
    upload = SimpleUploadedFile("ids.csv", b"a,b\nc,d\n", content_type="text/csv")
    response = api.post(url(), {"name": "S", "is_static": "true", "csv": upload}, format="multipart")
    assert response.status_code == 400 and response.json()["attr"] == "csv"
    assert Cohort.objects.count() == 0


def test_scopes(url, team, owner):
    cohort = Cohort.objects.create(team=team, name="c", is_static=True)

    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    reader, writer, other = client(["cohort:read"]), client(["cohort:write"]), client(["action:write"])
    one = url(f"{cohort.id}/")
    assert reader.get(url()).status_code == 200 and reader.get(one).status_code == 200
    assert reader.patch(one, {"name": "x"}, format="json").status_code == 403
    assert reader.post(url(), {"name": "x", "is_static": True}, format="json").status_code == 403
    assert writer.patch(one, {"name": "x"}, format="json").status_code == 200
    assert writer.post(url(), {"name": "y", "is_static": True}, format="json").status_code == 201
    assert other.get(url()).status_code == 403
    # The persons of a cohort need person:read as well.
    assert reader.get(url(f"{cohort.id}/persons/")).status_code == 403


def test_other_projects_cohorts_are_404(api, url, outsider):
    theirs = Cohort.objects.create(team=outsider.team, name="Theirs", is_static=True)
    assert api.get(url(f"{theirs.id}/")).status_code == 404
    assert api.patch(url(f"{theirs.id}/"), {"name": "stolen"}, format="json").status_code == 404
    assert api.get(url(f"{theirs.id}/persons/")).status_code == 404
    assert api.get(url()).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
