"""Legacy person URLs: ``persons_urls`` on legacy trend results, funnel steps'
``converted_people_url``/``dropped_people_url``, and the ``persons/…`` routes they point at
(envelope, ``next`` paging, CSV), on the fixture of tests/test_actors_trends.py."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.conf import settings

from tests.test_actors_trends import people  # noqa: F401 (fixture)

PAGEVIEWS = json.dumps([{"id": "$pageview", "type": "events", "math": "dau"}])
FUNNEL = json.dumps([{"id": "$pageview", "type": "events", "order": 0}, {"id": "signup", "order": 1}])
RANGE = {"date_from": "2020-01-08", "date_to": "2020-01-16"}


@pytest.fixture
def fixture_team(people):  # noqa: F811 (the imported fixture)
    return people


def follow(api, url, code=200):
    assert url.startswith(settings.SITE_URL)
    response = api.get(url[len(settings.SITE_URL) :])
    assert response.status_code == code, response.content[:300]
    return response.json() if code == 200 else response


def emails(body):
    (block,) = body["results"]
    assert block["count"] == len(block["people"])
    return sorted(p["properties"]["email"] for p in block["people"])


def test_trend_persons_urls_match_every_day(api, fixture_team):
    base = f"/api/projects/{fixture_team.id}"
    body = api.get(f"{base}/insights/trend/", {"events": PAGEVIEWS, **RANGE}).json()
    (entry,) = body["result"]
    assert len(entry["persons_urls"]) == len(entry["data"]) == 9
    for day, value, link in zip(entry["days"], entry["data"], entry["persons_urls"], strict=True):
        assert link["filter"]["date_from"] == day and link["filter"]["entity_id"] == "$pageview"
        page = follow(api, link["url"])
        assert page["results"][0]["count"] == value
        assert set(page) >= {"results", "next", "initial", "missing_persons", "is_cached", "last_refresh"}
    jan9 = follow(api, entry["persons_urls"][1]["url"])
    assert emails(jan9) == ["p1@x.io", "p2@x.io"]
    person = jan9["results"][0]["people"][0]
    assert person["type"] == "person" and person["id"] == person["uuid"]
    assert (person["name"], person["distinct_ids"], person["value_at_data_point"]) == ("p1@x.io", ["p1"], 2)


def test_trend_total_value_persons(api, fixture_team):
    params = {"events": PAGEVIEWS, "display": "BoldNumber", **RANGE}
    (entry,) = api.get(f"/api/projects/{fixture_team.id}/insights/trend/", params).json()["result"]
    assert "persons_urls" not in entry
    page = follow(api, entry["persons"]["url"])
    assert emails(page) == ["p1@x.io", "p2@x.io", "p3@x.io", "p4@x.io"]


def test_funnel_people_urls_and_paging(api, fixture_team):
    base = f"/api/environments/{fixture_team.id}"
    steps = api.get(f"{base}/insights/funnel/", {"events": FUNNEL, **RANGE}).json()["result"]
    assert [s["count"] for s in steps] == [4, 1]
    assert emails(follow(api, steps[1]["converted_people_url"])) == ["p1@x.io"]
    assert emails(follow(api, steps[1]["dropped_people_url"])) == ["p2@x.io", "p3@x.io", "p4@x.io"]
    seen, url, pages = [], steps[0]["converted_people_url"] + "&limit=3", 0
    while url:
        page = follow(api, url)
        seen += [p["properties"]["email"] for p in page["results"][0]["people"]]
        assert "offset=0" in page["initial"]
        url, pages = page["next"], pages + 1
    assert pages == 2 and sorted(seen) == [f"p{i}@x.io" for i in (1, 2, 3, 4)] and len(set(seen)) == 4


def test_funnel_persons_csv(api, fixture_team):
    steps = api.get(f"/api/projects/{fixture_team.id}/insights/funnel/", {"events": FUNNEL, **RANGE}).json()
    url = steps["result"][1]["dropped_people_url"][len(settings.SITE_URL) :] + "&format=csv"
    response = api.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["id", "name", "distinct_ids", "created_at", "value_at_data_point"]
    assert "properties.email" in rows[0]
    assert sorted(r[1] for r in rows[1:]) == ["p2@x.io", "p3@x.io", "p4@x.io"]


def test_stickiness_and_lifecycle_routes(api, fixture_team):
    base = f"/api/projects/{fixture_team.id}/persons"
    events = json.dumps([{"id": "$pageview", "type": "events"}])
    sticky = api.get(
        f"{base}/stickiness/",
        {"insight": "STICKINESS", "events": events, **RANGE, "stickiness_days": 2, "entity_id": "$pageview"},
    )
    assert sticky.status_code == 200 and set(sticky.json()) == {"results", "next"}
    assert emails(sticky.json()) == ["p1@x.io", "p2@x.io"]
    params = {"insight": "LIFECYCLE", "events": events, **RANGE, "target_date": "2020-01-13"}
    dormant = api.get(f"{base}/lifecycle/", {**params, "lifecycle_type": "dormant"})
    assert emails(dormant.json()) == ["p2@x.io", "p3@x.io"]
    missing = api.get(f"{base}/lifecycle/", {**params, "target_date": ""})
    assert missing.status_code == 400 and missing.json()["attr"] == "target_date"
    missing = api.get(f"{base}/lifecycle/", params)
    assert missing.status_code == 400 and missing.json()["attr"] == "lifecycle_type"


def test_other_projects_persons_route_is_404(api, fixture_team):
    from tests.factories import make_org_with_team

    _, other = make_org_with_team("Globex")
    response = api.get(f"/api/projects/{other.id}/persons/funnel/", {"events": FUNNEL, "funnel_step": 1})
    assert response.status_code in (403, 404)
