"""Views of insights, my_last_viewed, timing and cancel."""

from __future__ import annotations

import pytest

from analytics.models import Insight, InsightViewed
from tests.factories import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


def _insights(team, count):
    return [Insight.objects.create(team=team, name=f"i{n}") for n in range(count)]


def test_my_last_viewed_is_last_five_distinct_newest_first(api, url, team):
    insights = _insights(team, 7)
    # Views in order 0..6, then 2 again: distinct, newest first → 2, 6, 5, 4, 3.
    for insight in [*insights, insights[2]]:
        assert api.post(url(f"{insight.id}/viewed/")).status_code == 201
    response = api.get(url("my_last_viewed/"))
    assert response.status_code == 200
    assert [item["name"] for item in response.json()] == ["i2", "i6", "i5", "i4", "i3"]
    assert "result" not in response.json()[0] and "refreshing" in response.json()[0]


def test_my_last_viewed_ignores_other_users_and_deleted(api, url, team, member, client):
    first, second, third = _insights(team, 3)
    client.post(url(f"{first.id}/viewed/"), **member.auth)
    api.post(url(f"{second.id}/viewed/"))
    api.post(url(f"{third.id}/viewed/"))
    api.patch(url(f"{third.id}/"), {"deleted": True}, format="json")
    assert [item["id"] for item in api.get(url("my_last_viewed/")).json()] == [second.id]
    assert [item["id"] for item in client.get(url("my_last_viewed/"), **member.auth).json()] == [first.id]


def test_creating_records_a_view_for_the_creator(api, url):
    created = api.post(url(), {"name": "New"}, format="json").json()
    assert [item["id"] for item in api.get(url("my_last_viewed/")).json()] == [created["id"]]


def test_viewed_of_unknown_insight_is_404(api, url):
    assert api.post(url("424242/viewed/")).status_code == 404


def test_bulk_viewed_drops_foreign_and_deleted_ids(api, url, team, outsider):
    live, gone = _insights(team, 2)
    gone.deleted = True
    gone.save()
    foreign = Insight.objects.create(team=outsider.team, name="theirs")
    response = api.post(url("viewed/"), {"insight_ids": [live.id, gone.id, foreign.id]}, format="json")
    assert response.status_code == 201 and response.content == b""
    assert list(InsightViewed.objects.values_list("insight_id", flat=True)) == [live.id]
    assert api.post(url("viewed/"), {"insight_ids": []}, format="json").status_code == 400


def test_viewed_and_my_last_viewed_work_with_insight_read(client, owner, url, team):
    (insight,) = _insights(team, 1)
    key = make_key(owner.user, ["insight:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.post(url(f"{insight.id}/viewed/"), **auth).status_code == 201
    assert client.get(url("my_last_viewed/"), **auth).status_code == 200
    assert client.post(url("timing/"), {"min_last_refresh": None}, format="json", **auth).status_code == 201
    other = make_key(owner.user, ["dashboard:read"])
    assert client.get(url("my_last_viewed/"), HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403


def test_timing_accepts_any_report(api, url):
    response = api.post(
        url("timing/"),
        {"min_last_refresh": "2024-01-01T00:00:00Z", "max_last_refresh": None, "insight": "TRENDS"},
        format="json",
    )
    assert response.status_code == 201 and response.content == b""
    assert (
        api.post(
            url("timing/"), "min_last_refresh=x", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 201
    )


@pytest.mark.clickhouse  # /insights/cancel/ cancels on the event store
def test_cancel_needs_client_query_id(api, url):
    response = api.post(url("cancel/"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "client_query_id"
    assert api.post(url("cancel/"), {"client_query_id": "nothing-running"}, format="json").status_code == 201
