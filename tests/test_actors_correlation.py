"""Actors behind funnel correlation rows: ``FunnelCorrelationActorsQuery`` on ``/query/``,
``success_people_url``/``failure_people_url`` on legacy correlation rows and the
``persons/funnel/correlation/`` route they point at.

Fixture: tests/test_funnels_correlation.py (funnel signup → pay, 2024-01-01; successes s1, s2
(plan pro), s3 (free); failures f1, f2, f3 (free). In their spans: watched_video s1, s2
(length long), f1 (short); read_docs s3, f2, f3 (page api)).
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from tests.factories import make_key, make_org_with_team
from tests.test_funnels_correlation import BASE, population  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

FUNNEL = {
    "kind": "FunnelsQuery",
    "series": [{"kind": "EventsNode", "event": "signup"}, {"kind": "EventsNode", "event": "pay"}],
    "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-07"},
    "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
}


def correlation(api, team, **extra):
    response = api.get(f"/api/projects/{team.id}/insights/funnel/correlation/", {**BASE, **extra})
    assert response.status_code == 200, response.content[:400]
    return response.json()["result"]["events"]


def follow(api, url, code=200):
    assert url.startswith(settings.SITE_URL + "/api/projects/")
    response = api.get(url[len(settings.SITE_URL) :])
    assert response.status_code == code, response.content[:400]
    return response.json()


def people(body) -> list[str]:
    (block,) = body["results"]
    assert block["count"] == len(block["people"])
    return sorted(p["distinct_ids"][0] for p in block["people"])


KINDS = [
    {},
    {"funnel_correlation_type": "properties", "funnel_correlation_names": json.dumps(["$all"])},
    {
        "funnel_correlation_type": "event_with_properties",
        "funnel_correlation_event_names": json.dumps(["read_docs", "watched_video"]),
    },
]


@pytest.mark.parametrize("kind", KINDS, ids=["events", "properties", "event_with_properties"])
def test_every_row_url_lists_its_counts(api, team, population, kind):  # noqa: F811
    rows = correlation(api, team, **kind)
    assert rows
    for row in rows:
        success = follow(api, row["success_people_url"])
        failure = follow(api, row["failure_people_url"])
        assert len(people(success)) == row["success_count"], row["event"]
        assert len(people(failure)) == row["failure_count"], row["event"]
        assert set(people(success)) <= {"s1", "s2", "s3"} and set(people(failure)) <= {"f1", "f2", "f3"}


def test_rows_by_hand(api, team, population):  # noqa: F811
    by_event = {r["event"]["event"]: r for r in correlation(api, team)}
    # watched_video: s1, s2 converted; f1 did not.
    assert people(follow(api, by_event["watched_video"]["success_people_url"])) == ["s1", "s2"]
    assert people(follow(api, by_event["watched_video"]["failure_people_url"])) == ["f1"]
    assert people(follow(api, by_event["read_docs"]["failure_people_url"])) == ["f2", "f3"]
    props = {r["event"]["event"]: r for r in correlation(api, team, **KINDS[1])}
    # plan::free: s3 converted; f1, f2, f3 did not.
    assert people(follow(api, props["plan::free"]["success_people_url"])) == ["s3"]
    assert people(follow(api, props["plan::free"]["failure_people_url"])) == ["f1", "f2", "f3"]
    (docs,) = correlation(api, team, **KINDS[2])
    assert docs["event"]["event"] == "read_docs::page::api"
    assert people(follow(api, docs["failure_people_url"])) == ["f2", "f3"]


def actors(api, team, code=200, **selector):
    source = {
        "kind": "FunnelCorrelationQuery",
        "funnelCorrelationType": "events",
        "source": {"kind": "FunnelsActorsQuery", "source": FUNNEL},
    }
    query = {
        "kind": "ActorsQuery",
        "source": {"kind": "FunnelCorrelationActorsQuery", "source": source, **selector},
        "select": ["distinct_ids"],
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == code, response.content[:400]
    body = response.json()
    return sorted(ids[0] for (ids,) in body["results"]) if code == 200 else body


def test_query_node(api, team, population):  # noqa: F811
    video = {"kind": "EventsNode", "event": "watched_video"}
    got = actors(api, team, funnelCorrelationPersonConverted=True, funnelCorrelationPersonEntity=video)
    assert got == ["s1", "s2"]
    long_video = {**video, "properties": [{"key": "length", "value": "long", "type": "event"}]}
    got = actors(api, team, funnelCorrelationPersonConverted=True, funnelCorrelationPersonEntity=long_video)
    assert got == ["s1", "s2"]
    got = actors(api, team, funnelCorrelationPersonConverted=False, funnelCorrelationPersonEntity=long_video)
    assert got == []
    # The last step's own event is never a correlation row: nobody.
    pay = {"kind": "EventsNode", "event": "pay"}
    assert actors(api, team, funnelCorrelationPersonConverted=True, funnelCorrelationPersonEntity=pay) == []
    pro = [{"key": "plan", "value": ["pro"], "operator": "exact", "type": "person"}]
    assert actors(api, team, funnelCorrelationPersonConverted=True, funnelCorrelationPropertyValues=pro) == [
        "s1",
        "s2",
    ]
    assert (
        actors(api, team, funnelCorrelationPersonConverted=False, funnelCorrelationPropertyValues=pro) == []
    )


def test_query_node_refusals(api, team, population):  # noqa: F811
    video = {"kind": "EventsNode", "event": "watched_video"}
    refused = actors(api, team, 400, funnelCorrelationPersonEntity=video)
    assert refused["attr"] == "source__funnelCorrelationPersonConverted"
    refused = actors(api, team, 400, funnelCorrelationPersonConverted=True)
    assert refused["attr"] == "source__funnelCorrelationPersonEntity"
    action = {"kind": "ActionsNode", "id": 1}
    refused = actors(
        api, team, 400, funnelCorrelationPersonConverted=True, funnelCorrelationPersonEntity=action
    )
    assert refused["attr"] == "source__funnelCorrelationPersonEntity"
    gt = [{"key": "plan", "value": "pro", "operator": "gt", "type": "person"}]
    refused = actors(
        api, team, 400, funnelCorrelationPersonConverted=True, funnelCorrelationPropertyValues=gt
    )
    assert refused["attr"] == "source__funnelCorrelationPropertyValues__0__operator"
    refused = actors(api, team, 400, funnelCorrelationPersonConverted=True, funnelCustomSteps=[1])
    assert refused["attr"] == "source__funnelCustomSteps"


def test_route_paging_prefixes_scopes_and_isolation(client, api, owner, team, population):  # noqa: F811
    (free,) = [r for r in correlation(api, team, **KINDS[1]) if r["event"]["event"] == "plan::free"]
    url = free["failure_people_url"][len(settings.SITE_URL) :]
    # Paging by the legacy correlation keys: f1, f2, f3 two a page.
    first = api.get(url + "&funnel_correlation_person_limit=2").json()
    assert first["results"][0]["count"] == 2 and "funnel_correlation_person_offset=2" in first["next"]
    rest = follow(api, first["next"])
    assert rest["next"] is None
    seen = [p["distinct_ids"][0] for p in first["results"][0]["people"] + rest["results"][0]["people"]]
    assert sorted(seen) == ["f1", "f2", "f3"]
    environments = url.replace("/api/projects/", "/api/environments/")
    assert people(api.get(environments).json()) == ["f1", "f2", "f3"]
    csv = api.get(url + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv") and csv.content.decode().count("\n") == 4
    refused = api.get(url.replace("converted=false", "converted=maybe"))
    assert refused.status_code == 400 and refused.json()["attr"] == "funnel_correlation_person_converted"
    reader = make_key(owner.user, ["person:read"])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {reader}").status_code == 200
    insight_only = make_key(owner.user, ["insight:read"])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {insight_only}").status_code == 403
    _, other = make_org_with_team("Globex")
    assert api.get(url.replace(f"/projects/{team.id}/", f"/projects/{other.id}/")).status_code == 404
