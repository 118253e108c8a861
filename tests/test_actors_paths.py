"""Actors behind a paths graph: ``InsightActorsQuery`` over a ``PathsQuery`` (keys in
``pathsFilter``) on ``/query/``, and the legacy ``persons/path/`` route.

Fixture, all on 2021-05-01 (UTC), $pageview URLs unless named, times hh:mm:
  p1: /  00:00, /pricing 00:02, signup 00:03; then (57-minute gap: new session) / 01:00, /pricing 01:05
  p2: /  00:00, /blog 00:02, signup 00:05
  p3: /  00:00, /pricing/ 00:01 (one trailing slash dropped: /pricing)
  p4: /  00:00
Session paths: p1 [/, /pricing, signup] and [/, /pricing]; p2 [/, /blog, signup];
p3 [/, /pricing]; p4 [/].
Edges: 1_/ → 2_/pricing 3 (p1 twice, p3); 1_/ → 2_/blog 1 (p2);
2_/pricing → 3_signup 1 (p1); 2_/blog → 3_signup 1 (p2).
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from tests.capture import capture_events
from tests.factories import make_key, make_org_with_team

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2021-05-01", "date_to": "2021-05-01"}


def view(person: str, at: str, url: str | None = None, name: str = "$pageview") -> dict:
    properties = {"$current_url": url} if url else {}
    return {
        "event": name,
        "distinct_id": person,
        "timestamp": f"2021-05-01T{at}:00Z",
        "properties": properties,
    }


@pytest.fixture
def walked(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            view("p1", "00:00", "/"),
            view("p1", "00:02", "/pricing"),
            view("p1", "00:03", name="signup"),
            view("p1", "01:00", "/"),
            view("p1", "01:05", "/pricing"),
            view("p2", "00:00", "/"),
            view("p2", "00:02", "/blog"),
            view("p2", "00:05", name="signup"),
            view("p3", "00:00", "/"),
            view("p3", "00:01", "/pricing/"),
            view("p4", "00:00", "/"),
        ],
    )
    return team


def paths_query(**paths_filter) -> dict:
    return {"kind": "PathsQuery", "dateRange": RANGE, "pathsFilter": paths_filter}


def post(api, team, query, code=200):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == code, response.content[:400]
    return response.json()


def actors(api, team, query, code=200, **selector) -> dict:
    body = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": query, **selector},
        "select": ["distinct_ids", "event_count"],
    }
    return post(api, team, body, code)


def who(body) -> dict[str, int]:
    """{distinct id: event_count} of an actors answer."""
    return {ids[0]: count for ids, count in body["results"]}


def keyed(api, team, base: dict, **keys) -> dict[str, int]:
    query = {**base, "pathsFilter": {**base["pathsFilter"], **keys}}
    return who(actors(api, team, query))


def test_edges_nodes_and_dropoffs_by_hand(api, walked):
    base = paths_query()
    edges = {(e["source"], e["target"]): e["value"] for e in post(api, walked, base)["results"]}
    assert edges == {
        ("1_/", "2_/pricing"): 3,
        ("1_/", "2_/blog"): 1,
        ("2_/pricing", "3_signup"): 1,
        ("2_/blog", "3_signup"): 1,
    }
    # The edge 1_/ → 2_/pricing: p1 along it in both sessions, p3 once (2 + 1 = the edge's 3).
    assert keyed(api, walked, base, pathStartKey="1_/", pathEndKey="2_/pricing") == {"p1": 2, "p3": 1}
    # Who reached 2_/pricing, who left 1_/ (by any edge), who was at 1_/ at all.
    assert keyed(api, walked, base, pathEndKey="2_/pricing") == {"p1": 2, "p3": 1}
    assert keyed(api, walked, base, pathStartKey="1_/") == {"p1": 2, "p2": 1, "p3": 1}
    assert keyed(api, walked, base, pathEndKey="1_/") == {"p1": 2, "p2": 1, "p3": 1, "p4": 1}
    # Paths ending at a node: p1's second session and p3 end at 2_/pricing; p4 never left /.
    assert keyed(api, walked, base, pathDropoffKey="2_/pricing") == {"p1": 1, "p3": 1}
    assert keyed(api, walked, base, pathDropoffKey="1_/") == {"p4": 1}
    assert keyed(api, walked, base, pathDropoffKey="3_signup") == {"p1": 1, "p2": 1}
    # The drop-off key wins over the others (as PostHog); no key: everyone on a path,
    # counting their steps (p1 3 + 2, p2 3, p3 2, p4 1).
    assert keyed(api, walked, base, pathDropoffKey="1_/", pathEndKey="2_/blog") == {"p4": 1}
    assert keyed(api, walked, base) == {"p1": 5, "p2": 3, "p3": 2, "p4": 1}
    # A key no path has: nobody.
    assert keyed(api, walked, base, pathEndKey="2_/nowhere") == {}


VARIANTS = [
    paths_query(),
    paths_query(includeEventTypes=["$pageview"]),
    paths_query(startPoint="/", endPoint="signup", stepLimit=2),  # "..." in the middle
    paths_query(endPoint="signup", stepLimit=2),
    paths_query(pathGroupings=["/b*", "/p*"]),
]


@pytest.mark.parametrize("query", VARIANTS, ids=["all", "pageviews", "start_end", "end", "grouped"])
def test_every_edge_is_its_actors(api, walked, query):
    """For every edge: the actors' path counts sum to the edge's value, and with one path
    per actor along it (all edges but p1's 1_/ → 2_/pricing) the actor count equals it."""
    edges = post(api, walked, query)["results"]
    assert edges
    for edge in edges:
        found = keyed(api, walked, query, pathStartKey=edge["source"], pathEndKey=edge["target"])
        assert sum(found.values()) == edge["value"], edge
        if max(found.values()) == 1:
            assert len(found) == edge["value"], edge
        reached = keyed(api, walked, query, pathEndKey=edge["target"])
        assert set(found) <= set(reached)


def test_start_and_end_points_with_ellipsis(api, walked):
    # / … signup longer than 2 steps: p1 [/, /pricing, signup] → [/, ..., signup]; p2 likewise.
    query = paths_query(startPoint="/", endPoint="signup", stepLimit=2)
    edges = {(e["source"], e["target"]): e["value"] for e in post(api, walked, query)["results"]}
    assert edges == {("1_/", "2_..."): 2, ("2_...", "3_signup"): 2}
    assert keyed(api, walked, query, pathStartKey="2_...", pathEndKey="3_signup") == {"p1": 1, "p2": 1}


def test_bad_keys_and_selectors_are_400(api, walked):
    refused = actors(api, walked, paths_query(pathEndKey="/pricing"), code=400)
    assert refused["attr"] == "source__source__pathsFilter__pathEndKey"
    refused = actors(api, walked, paths_query(pathStartKey=3), code=400)
    assert refused["attr"] == "source__source__pathsFilter__pathStartKey"
    refused = actors(api, walked, paths_query(), code=400, day="2021-05-01")
    assert refused["attr"] == "source__day"


def legacy(api, team, prefix="projects", code=200, **params):
    encoded = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}
    response = api.get(f"/api/{prefix}/{team.id}/persons/path/", {**RANGE, **encoded})
    assert response.status_code == code, response.content[:400]
    return response


def test_legacy_path_persons_route(api, walked):
    # Edge 1_/ → 2_/pricing: p1 and p3, in PostHog's envelope; both URL prefixes.
    for prefix in ("projects", "environments"):
        body = legacy(api, walked, prefix, path_start_key="1_/", path_end_key="2_/pricing").json()
        assert set(body) >= {"results", "next", "initial", "missing_persons", "is_cached", "last_refresh"}
        (block,) = body["results"]
        assert block["count"] == 2
        assert sorted(p["distinct_ids"][0] for p in block["people"]) == ["p1", "p3"]
        assert block["people"][0]["type"] == "person" and body["next"] is None
    # Legacy filters reach the insight: pageviews only, dropped off at 2_/pricing.
    body = legacy(api, walked, include_event_types=["$pageview"], path_dropoff_key="2_/pricing").json()
    assert sorted(p["distinct_ids"][0] for p in body["results"][0]["people"]) == ["p1", "p3"]
    # Paging: everyone on a path (4), two a page; next is the same URL with the offset moved.
    page = legacy(api, walked, path_end_key="1_/", limit=2).json()
    seen = [p["distinct_ids"][0] for p in page["results"][0]["people"]]
    assert page["next"] and page["next"].startswith(settings.SITE_URL) and "offset=2" in page["next"]
    rest = api.get(page["next"][len(settings.SITE_URL) :]).json()
    seen += [p["distinct_ids"][0] for p in rest["results"][0]["people"]]
    assert sorted(seen) == ["p1", "p2", "p3", "p4"] and rest["next"] is None
    # CSV of the same list.
    csv_response = legacy(api, walked, path_end_key="2_/pricing", format="csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().count("\n") == 3  # header + p1 + p3
    # A malformed key is a 400 naming the legacy field.
    assert legacy(api, walked, code=400, path_end_key="pricing").json()["attr"] == "path_end_key"


def test_legacy_path_persons_scopes_and_isolation(client, owner, walked):
    url = f"/api/projects/{walked.id}/persons/path/"
    params = {**RANGE, "path_end_key": "1_/"}
    reader = make_key(owner.user, ["person:read"])
    response = client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert response.status_code == 200 and response.json()["results"][0]["count"] == 4
    insight_only = make_key(owner.user, ["insight:read"])
    assert client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {insight_only}").status_code == 403
    _, other = make_org_with_team("Globex")
    response = client.get(f"/api/projects/{other.id}/persons/path/", params, **owner.auth)
    assert response.status_code == 404
