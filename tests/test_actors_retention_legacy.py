"""Legacy retention persons: each legacy retention row's ``people_url`` and the
``persons/retention/`` route it points at, on the fixture of tests/test_actors_trends.py
(p1: $pageview Jan 9 ×2, 11; p2: 9, 12; p3: 12 ×3; p4: 15; p5: only signup).

Daily recurring retention of $pageview, 5 intervals ending 2020-01-13 (rows Jan 9 … 13):
row 0 (Jan 9) = p1 (back on the 11th: lag 2) and p2 (back on the 12th: lag 3);
row 2 (Jan 11) = p1; row 3 (Jan 12) = p2, p3; rows 1 and 4 are empty.
"""

from __future__ import annotations

import json

from django.conf import settings

from tests.factories import make_key, make_org_with_team
from tests.test_actors_trends import people  # noqa: F401 (fixture)

PAGEVIEW = json.dumps({"id": "$pageview", "type": "events"})
FILTERS = {
    "target_entity": PAGEVIEW,
    "returning_entity": PAGEVIEW,
    "period": "Day",
    "total_intervals": 5,
    "date_to": "2020-01-13",
}


def follow(api, url, code=200):
    assert url.startswith(settings.SITE_URL + "/api/projects/")
    response = api.get(url[len(settings.SITE_URL) :])
    assert response.status_code == code, response.content[:400]
    return response.json()


def rows(api, team):
    response = api.get(f"/api/projects/{team.id}/insights/retention/", FILTERS)
    assert response.status_code == 200, response.content[:400]
    return response.json()["result"]


def flags(body) -> dict[str, list[int]]:
    return {entry["person"]["distinct_ids"][0]: entry["appearances"] for entry in body["result"]}


def test_every_row_and_cell(api, people):  # noqa: F811
    result = rows(api, people)
    assert len(result) == 5
    for row in result:
        body = follow(api, row["people_url"])
        assert set(body) == {"result", "next"} and body["next"] is None
        listed = flags(body)
        assert len(listed) == row["values"][0]["count"], row["label"]
        for lag, cell in enumerate(row["values"]):
            assert sum(f[lag] for f in listed.values()) == cell["count"], (row["label"], lag)
        assert all(len(f) == len(row["values"]) for f in listed.values())
    assert flags(follow(api, result[0]["people_url"])) == {"p1": [1, 0, 1, 0, 0], "p2": [1, 0, 0, 1, 0]}
    assert flags(follow(api, result[2]["people_url"])) == {"p1": [1, 0, 0]}
    assert flags(follow(api, result[3]["people_url"])) == {"p2": [1, 0], "p3": [1, 0]}
    person = follow(api, result[2]["people_url"])["result"][0]["person"]
    assert person["type"] == "person" and person["name"] == "p1@x.io"


def test_selected_interval_paging_and_refusals(api, people):  # noqa: F811
    base = f"/api/environments/{people.id}/persons/retention/"
    page = api.get(base, {**FILTERS, "selected_interval": 0, "limit": 1}).json()
    assert len(page["result"]) == 1 and "offset=1" in page["next"]
    rest = follow(api, page["next"])
    assert rest["next"] is None
    seen = {**flags(page), **flags(rest)}
    assert seen == {"p1": [1, 0, 1, 0, 0], "p2": [1, 0, 0, 1, 0]}
    missing = api.get(base, FILTERS)
    assert missing.status_code == 400 and missing.json()["attr"] == "selected_interval"
    graph = api.get(base, {**FILTERS, "selected_interval": 0, "display": "ActionsLineGraph"})
    assert graph.status_code == 400 and graph.json()["attr"] == "display"
    bad = api.get(base, {**FILTERS, "breakdown_values": json.dumps(["x"])})
    assert bad.status_code == 400 and bad.json()["attr"] == "breakdown_values"


def test_scopes_and_isolation(client, owner, people):  # noqa: F811
    url = f"/api/projects/{people.id}/persons/retention/"
    params = {**FILTERS, "selected_interval": 3}
    reader = make_key(owner.user, ["person:read"])
    response = client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert response.status_code == 200 and len(response.json()["result"]) == 2
    insight_only = make_key(owner.user, ["insight:read"])
    assert client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {insight_only}").status_code == 403
    _, other = make_org_with_team("Globex")
    response = client.get(f"/api/projects/{other.id}/persons/retention/", params, **owner.auth)
    assert response.status_code == 404
