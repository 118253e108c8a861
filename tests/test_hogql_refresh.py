"""HogQLQuery goes through the same cache and refresh modes as every other kind."""

from __future__ import annotations

from tests.async_helpers import poll
from tests.factories import make_org_with_team
from tests.hogql_fixture import store_fixture

TEXT = "select event, count() from events group by event order by event"


def test_cached_then_forced(api, team, clickhouse):
    _, other = make_org_with_team("Globex")
    store_fixture(api, team, other)
    url = f"/api/projects/{team.id}/query/"
    body = {"query": {"kind": "HogQLQuery", "query": TEXT}}
    first = api.post(url, body, format="json").json()
    second = api.post(url, body, format="json").json()
    assert (first["is_cached"], second["is_cached"]) == (False, True)
    assert second["results"] == first["results"] == [["$pageview", 6], ["signup", 2]]
    assert second["cache_key"] == first["cache_key"]
    forced = api.post(url, {**body, "refresh": "force_blocking"}, format="json").json()
    assert forced["is_cached"] is False


def test_async(api, team, clickhouse, celery_worker):
    _, other = make_org_with_team("Globex")
    store_fixture(api, team, other)
    url = f"/api/projects/{team.id}/query/"
    body = {
        "query": {"kind": "HogQLQuery", "query": TEXT},
        "refresh": "force_async",
        "client_query_id": "hq1",
    }
    response = api.post(url, body, format="json")
    assert response.status_code == 202, response.json()
    done = poll(api, team.id, "hq1")
    assert done.status_code == 200, done.json()
    assert done.json()["query_status"]["results"]["results"] == [["$pageview", 6], ["signup", 2]]
