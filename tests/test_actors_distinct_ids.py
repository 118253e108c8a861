"""The ``person`` objects of an actors page carry every distinct id of the person, whether
the page is picked first and its ids fetched after (only ``person`` reads them) or the ids
are read by the query itself (a ``distinct_ids`` column, a search).

Fixture (2024-03-01 UTC): anon-2 and user-2 start as two persons, then ``$identify`` merges
anon-2 into user-2's person (an override); solo has one id.
"""

from __future__ import annotations

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db


def ev(event, distinct_id, minute, **properties):
    return {
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": f"2024-03-01T10:{minute:02d}:00Z",
        "properties": properties,
    }


@pytest.fixture
def merged(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            ev("$pageview", "anon-2", 0),
            ev("$pageview", "user-2", 1, **{"$set": {"email": "b@x.io"}}),
            ev("$pageview", "solo", 2, **{"$set": {"email": "s@x.io"}}),
        ],
    )
    capture_events(client, team, [ev("$identify", "user-2", 3, **{"$anon_distinct_id": "anon-2"})])
    return team


def actors(api, team, **fields):
    trends = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": "2024-03-01", "date_to": "2024-03-01"},
    }
    query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": trends, "day": "2024-03-01"},
        **fields,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.content[:400]
    return response.json()


def ids_by_email(body) -> dict[str, list[str]]:
    return {row[0]["properties"].get("email"): row[0]["distinct_ids"] for row in body["results"]}


EXPECTED = {"b@x.io": ["anon-2", "user-2"], "s@x.io": ["solo"]}


def test_page_first_then_ids(api, merged):
    body = actors(api, merged, select=["person", "event_count"])
    assert ids_by_email(body) == EXPECTED
    assert "tuple(id, distinct_ids," in body["hogql"]  # the query as written, not as run
    # Paged one at a time: each page's person still has all its ids.
    first = actors(api, merged, select=["person"], orderBy=["person"], limit=1)
    second = actors(api, merged, select=["person"], orderBy=["person"], limit=1, offset=1)
    assert {**ids_by_email(first), **ids_by_email(second)} == EXPECTED
    assert first["hasMore"] and not second["hasMore"]


def test_ids_read_by_the_query_itself(api, merged):
    body = actors(api, merged, select=["person", "distinct_ids"])
    assert ids_by_email(body) == EXPECTED
    assert {tuple(row[1]) for row in body["results"]} == {("anon-2", "user-2"), ("solo",)}
    assert ids_by_email(actors(api, merged, select=["person"], search="anon-2")) == {
        "b@x.io": EXPECTED["b@x.io"]
    }
    plain = actors(
        api, merged, select=["person", "length(distinct_ids)"], orderBy=["length(distinct_ids) DESC"]
    )
    assert [row[1] for row in plain["results"]] == [2, 1]
