"""Stored insight responses (``analytics.response_cache``): served again, never after a change.

A cached-results retrieve by personal API key is rendered once by the view and then
answered from the store, which costs no database query; that is how these tests
tell the two apart. Every change that alters the response must show on the very
next request. Trends data: ``$pageview`` twice on 2020-01-09 and once on 2020-01-10
(UTC), so the saved insight's daily counts are [2, 1].
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from access_control.models import PersonalAPIKey
from analytics.models import AccessControl, Insight, Tag
from analytics.response_cache import generations
from analytics.response_cache.stored import StoredResponse, candidate
from query_engine.refresh import status as status_store
from tenancy.models import OrganizationMembership
from tests.capture import capture_events

pytestmark = pytest.mark.django_db

QUERY = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": "2020-01-09", "date_to": "2020-01-10"},
        "interval": "day",
    },
}
EVENTS = [
    {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-01-09T10:00:00Z"},
    {"event": "$pageview", "distinct_id": "b", "timestamp": "2020-01-09T11:00:00Z"},
    {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-01-10T10:00:00Z"},
]


@pytest.fixture
def url(client, owner, clickhouse) -> str:
    """A saved trends insight of the owner's team, computed once."""
    capture_events(client, owner.team, EVENTS)
    created = client.post(
        f"/api/projects/{owner.team.id}/insights/",
        {"name": "Pageviews", "query": QUERY},
        format="json",
        **owner.auth,
    )
    path = f"/api/projects/{owner.team.id}/insights/{created.json()['id']}/"
    computed = client.get(path, {"refresh": "blocking"}, **owner.auth).json()
    assert computed["result"][0]["data"] == [2, 1]
    return path


def stored(client, persona, path: str):
    """The first retrieve (rendered by the view, then stored)."""
    response = client.get(path, **persona.auth)
    assert response.status_code == 200
    return response


def test_a_repeated_retrieve_is_the_stored_bytes_without_a_query(
    client, owner, url, django_assert_num_queries
):
    first = stored(client, owner, url)
    with django_assert_num_queries(0):
        again = client.get(url, **owner.auth)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    body = again.json()
    assert body["result"][0]["data"] == [2, 1] and body["is_cached"] is True


def test_both_url_prefixes_are_served(client, owner, url, django_assert_num_queries):
    environments = url.replace("/api/projects/", "/api/environments/")
    first = stored(client, owner, environments)
    with django_assert_num_queries(0):
        assert client.get(environments, **owner.auth).content == first.content


def test_renaming_through_the_api_or_the_orm_shows_at_once(client, owner, url):
    stored(client, owner, url)
    client.patch(url, {"name": "Renamed"}, format="json", **owner.auth)
    assert client.get(url, **owner.auth).json()["name"] == "Renamed"
    insight = Insight.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))
    insight.description = "Set in the ORM"
    insight.save()
    assert client.get(url, **owner.auth).json()["description"] == "Set in the ORM"


def test_adding_a_tag_shows_at_once(client, owner, url):
    stored(client, owner, url)
    insight = Insight.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[1]))
    insight.tags.add(Tag.objects.create(team=owner.team, name="growth"))
    assert client.get(url, **owner.auth).json()["tags"] == ["growth"]


def test_new_results_show_at_once(client, owner, url):
    stored(client, owner, url)
    capture_events(
        client, owner.team, [{"event": "$pageview", "distinct_id": "c", "timestamp": "2020-01-10T12:00:00Z"}]
    )
    # A closed 2020 range never goes stale: only a forced refresh recomputes it.
    assert client.get(url, {"refresh": "force_blocking"}, **owner.auth).json()["result"][0]["data"] == [2, 2]
    assert client.get(url, **owner.auth).json()["result"][0]["data"] == [2, 2]


@pytest.mark.parametrize("served_before", [0, 2])
def test_results_gone_from_the_cache_are_a_miss_at_once(client, owner, url, served_before):
    key = stored(client, owner, url).json()["filters_hash"]
    for _ in range(served_before):  # served from the store, its results key known to the process
        assert client.get(url, **owner.auth).json()["result"][0]["data"] == [2, 1]
    cache.delete(key)
    body = client.get(url, **owner.auth).json()
    assert body["result"] is None and body["is_cached"] is False and body["last_refresh"] is None


def test_a_job_started_for_the_results_shows_its_status_at_once(client, owner, url):
    key = stored(client, owner, url).json()["filters_hash"]
    status_store.create(team_id=owner.team.id, query_id=key, cache_key=key, task_id="task-1")
    status = client.get(url, **owner.auth).json()["query_status"]
    assert status["id"] == key and status["complete"] is False
    status_store.delete(owner.team.id, key)
    assert client.get(url, **owner.auth).json()["query_status"] is None


def test_revoking_the_key_is_401_at_once(client, owner, url):
    stored(client, owner, url)
    key = PersonalAPIKey.objects.get(user=owner.user)
    key.revoked_at = key.created_at
    key.save()
    assert client.get(url, **owner.auth).status_code == 401


def test_a_key_losing_the_read_scope_is_403_at_once(client, owner, url):
    stored(client, owner, url)
    key = PersonalAPIKey.objects.get(user=owner.user)
    key.scopes = ["dashboard:read"]
    key.save()
    response = client.get(url, **owner.auth)
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'insight:read'"


def test_leaving_the_organization_is_404_at_once(client, owner, member, url):
    stored(client, member, url)
    OrganizationMembership.objects.get(user=member.user).delete()
    assert client.get(url, **member.auth).status_code == 404


def test_an_access_rule_of_none_is_403_at_once(client, owner, member, url):
    stored(client, member, url)
    insight_id = url.rstrip("/").rsplit("/", 1)[1]
    AccessControl.objects.create(
        team=owner.team,
        resource="insight",
        resource_id=insight_id,
        access_level="none",
        organization_member=OrganizationMembership.objects.get(user=member.user),
    )
    assert client.get(url, **member.auth).status_code == 403


def test_each_key_gets_its_own_response(client, owner, member, url):
    assert stored(client, owner, url).json()["user_access_level"] == "manager"
    assert stored(client, member, url).json()["user_access_level"] == "editor"
    assert client.get(url, **member.auth).json()["user_access_level"] == "editor"


def test_renaming_the_creator_shows_at_once(client, owner, url):
    stored(client, owner, url)
    owner.user.first_name = "Renamed"
    owner.user.save()
    assert client.get(url, **owner.auth).json()["created_by"]["first_name"] == "Renamed"


def test_a_session_request_goes_through_the_view(client, owner, url, django_assert_max_num_queries):
    stored(client, owner, url)
    client.force_login(owner.user)
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).json()["result"][0]["data"] == [2, 1]
    assert len(captured) > 0


@override_settings(THROTTLE_BURST="3/min", THROTTLE_SUSTAINED="100/hour", THROTTLE_ENABLED=True)
def test_rate_limits_count_served_requests_once(client, owner, url):
    cache.clear()  # the url fixture's own requests do not count
    statuses = [client.get(url, **owner.auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(url, **owner.auth)
    assert refused.json()["type"] == "throttled_error" and int(refused["Retry-After"]) > 0
    key = PersonalAPIKey.objects.get(user=owner.user)
    assert len(cache.get(f"throttle:burst:insights:{key.pk}")) == 3
    # As in DRF, a request refused by one limit still counts for the others: 5, not 7
    # (which is what counting the two refused requests again in the view would give).
    assert len(cache.get(f"throttle:sustained:insights:{key.pk}")) == 5


def test_a_change_committed_later_changes_the_generation_again(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Insight.objects.create(team=owner.team, name="New")
        # A request reading the old rows now would store its response under this token…
        during = generations.current(owner.team.id)
    # …which the commit makes stale.
    assert generations.current(owner.team.id) != during


def test_an_entry_in_another_format_is_a_miss_and_is_replaced(client, owner, url):
    first = stored(client, owner, url)
    entry_key = candidate(RequestFactory().get(url, **owner.auth)).entry_key
    cache.set(entry_key, ("insight-response/0", "written by another version"))
    again = client.get(url, **owner.auth)
    assert again.status_code == 200 and again.content == first.content
    assert StoredResponse.from_entry(cache.get(entry_key)).body == first.content


def test_a_disallowed_host_is_400_even_when_stored(client, owner, url, settings):
    stored(client, owner, url)
    settings.ALLOWED_HOSTS = ["insights.example.com"]
    assert client.get(url, HTTP_HOST="evil.example.com", **owner.auth).status_code == 400
    assert client.get(url, HTTP_HOST="insights.example.com", **owner.auth).status_code == 200
