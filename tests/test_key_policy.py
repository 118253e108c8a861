"""One predicate decides what a personal API key may reach (``access_control.policy``).

For each scope case, the predicate's answer, DRF's answer through the view, and the response-cache
middleware's choice to serve a stored response (or leave the request to the view) all agree.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from access_control import auth_cache
from access_control.models import PersonalAPIKey, hash_key
from access_control.policy import key_decision
from analytics.response_cache.middleware import InsightResponseCacheMiddleware
from tests.capture import capture_events
from tests.factories import make_key

pytestmark = pytest.mark.django_db

OWN, OTHER = "own", "other"
MISSING_READ = "API key missing required scope 'insight:read'"
PROJECT = "API key does not have access to the requested project: ID {team}."
ORGANIZATION = "API key does not have access to the requested organization: ID {org}."
OTHER_ORG = str(uuid.UUID(int=7))

# (scopes, teams the key is limited to, organizations it is limited to, refusal or None)
CASES = {
    "everything": (["*"], None, None, None),
    "insight:read": (["insight:read"], None, None, None),
    "insight:write grants read": (["insight:write"], None, None, None),
    "another object's scope": (["dashboard:read"], None, None, MISSING_READ),
    "query:read is not insight:read": (["query:read"], None, None, MISSING_READ),
    "limited to this project": (["*"], OWN, None, None),
    "limited to another project": (["*"], OTHER, None, PROJECT),
    "limited to this organization": (["insight:read"], None, OWN, None),
    "limited to another organization": (["*"], None, OTHER, ORGANIZATION),
    "reach is checked before scopes": (["dashboard:read"], OTHER, None, PROJECT),
}


def _limits(team, teams, organizations) -> tuple[list[int], list[str]]:
    scoped_teams = {None: [], OWN: [team.id], OTHER: [team.id + 1000]}[teams]
    scoped_organizations = {None: [], OWN: [str(team.organization_id)], OTHER: [OTHER_ORG]}[organizations]
    return scoped_teams, scoped_organizations


def _refusal(template: str | None, team) -> str | None:
    return None if template is None else template.format(team=team.id, org=team.organization_id)


QUERY = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": "2020-01-09", "date_to": "2020-01-10"},
        "interval": "day",
    },
}


@pytest.fixture
def url(client, owner, clickhouse) -> str:
    capture_events(
        client, owner.team, [{"event": "$pageview", "distinct_id": "a", "timestamp": "2020-01-09T10:00:00Z"}]
    )
    created = client.post(
        f"/api/projects/{owner.team.id}/insights/",
        {"name": "Views", "query": QUERY},
        format="json",
        **owner.auth,
    )
    path = f"/api/projects/{owner.team.id}/insights/{created.json()['id']}/"
    assert client.get(path, {"refresh": "blocking"}, **owner.auth).json()["result"][0]["data"] == [1, 0]
    return path


@pytest.fixture
def served(monkeypatch) -> list[bool]:
    """Whether each request was answered by the middleware from a stored response."""
    answers: list[bool] = []
    original = InsightResponseCacheMiddleware._serve

    def spy(self, request, found):
        response = original(self, request, found)
        answers.append(response is not None)
        return response

    monkeypatch.setattr(InsightResponseCacheMiddleware, "_serve", spy)
    return answers


@pytest.mark.parametrize("case", CASES)
def test_the_predicate(case, team):
    scopes, teams, organizations, refusal = CASES[case]
    scoped_teams, scoped_organizations = _limits(team, teams, organizations)
    key = SimpleNamespace(scopes=scopes, scoped_teams=scoped_teams, scoped_organizations=scoped_organizations)
    decision = key_decision(
        key, required=["insight:read"], team_id=team.id, organization_id=team.organization_id
    )
    assert (decision.allowed, decision.detail) == (refusal is None, _refusal(refusal, team))


@pytest.mark.parametrize("case", CASES)
def test_drf_and_the_middleware_agree(case, client, owner, url, served):
    scopes, teams, organizations, refusal = CASES[case]
    scoped_teams, scoped_organizations = _limits(owner.team, teams, organizations)
    expected = (200, None) if refusal is None else (403, _refusal(refusal, owner.team))

    # DRF, through the view: a fresh key with this case's scopes and limits.
    fresh = make_key(owner.user, scopes, scoped_teams=scoped_teams, scoped_organizations=scoped_organizations)
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {fresh}")
    assert (response.status_code, response.json().get("detail") if refusal else None) == expected
    assert served == [False]  # a first request is never stored yet

    # The middleware: a stored response for a `*` key, whose scopes and limits then change behind
    # the signals (no generation moves), so the only thing between the request and the stored
    # bytes is the predicate.
    value = make_key(owner.user, ["*"])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 200
    secure_value = hash_key(value)
    PersonalAPIKey.objects.filter(secure_value=secure_value).update(
        scopes=scopes, scoped_teams=scoped_teams, scoped_organizations=scoped_organizations
    )
    auth_cache.forget_keys([secure_value])
    served.clear()
    again = client.get(url, HTTP_AUTHORIZATION=f"Bearer {value}")
    assert served == [refusal is None]
    assert (again.status_code, again.json().get("detail") if refusal else None) == expected
