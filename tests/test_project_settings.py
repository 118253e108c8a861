"""PATCH /api/projects/:id/ (and /api/environments/:id/): each setting changes the next answer.

The /query/ endpoint answers a fixed past range from the result cache once warm,
so each test first shows a cached answer, then PATCHes, then shows the new one.
"""

from __future__ import annotations

import pytest

from tests.engine_events import store_events
from tests.factories import make_key

PREFIXES = ("projects", "environments")


def trend(api, team, **fields) -> dict:
    body = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "e"}], **fields}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def patch(api, team, prefix: str = "projects", **fields):
    return api.patch(f"/api/{prefix}/{team.id}/", fields, format="json")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_timezone_across_a_dst_day(api, team, clickhouse, prefix):
    # 2021-03-14 has 23 hours in New York (EST → EDT at 07:00Z).
    times = ["2021-03-14T04:30:00Z", "2021-03-14T06:30:00Z", "2021-03-15T03:30:00Z", "2021-03-15T04:30:00Z"]
    store_events(api, team, [{"event": "e", "distinct_id": "a", "timestamp": t} for t in times])
    days = {"dateRange": {"date_from": "2021-03-13", "date_to": "2021-03-15"}}
    # UTC: Mar 14 has 04:30 and 06:30, Mar 15 has 03:30 and 04:30.
    assert trend(api, team, **days)["results"][0]["data"] == [0, 2, 2]
    assert trend(api, team, **days)["is_cached"] is True
    response = patch(api, team, prefix, timezone="America/New_York")
    assert response.status_code == 200, response.json()
    assert response.json()["timezone"] == "America/New_York"
    # New York: 04:30Z = Mar 13 23:30 EST; 06:30Z = Mar 14 01:30 EST;
    # 03:30Z Mar 15 = Mar 14 23:30 EDT; 04:30Z Mar 15 = Mar 15 00:30 EDT.
    after = trend(api, team, **days)
    assert after["is_cached"] is False
    assert after["results"][0]["data"] == [1, 2, 1]
    assert after["timezone"] == "America/New_York"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_monday_weeks(api, team, clickhouse, prefix):
    # Sun Mar 7, Mon Mar 8, Sun Mar 14 (2021)
    times = ["2021-03-07T10:00:00Z", "2021-03-08T10:00:00Z", "2021-03-14T10:00:00Z"]
    store_events(api, team, [{"event": "e", "distinct_id": "a", "timestamp": t} for t in times])
    weeks = {"interval": "week", "dateRange": {"date_from": "2021-03-07", "date_to": "2021-03-14"}}
    sunday = trend(api, team, **weeks)["results"][0]
    # Sunday weeks: Mar 7-13 holds Mar 7 and Mar 8; Mar 14-20 holds Mar 14.
    assert sunday["days"] == ["2021-03-07", "2021-03-14"] and sunday["data"] == [2, 1]
    assert patch(api, team, prefix, week_start_day=1).status_code == 200
    monday = trend(api, team, **weeks)["results"][0]
    # Monday weeks: Mar 1-7 holds Mar 7; Mar 8-14 holds Mar 8 and Mar 14.
    assert monday["days"] == ["2021-03-01", "2021-03-08"] and monday["data"] == [1, 2]
    assert api.get(f"/api/{prefix}/{team.id}/").json()["week_start_day"] == 1


@pytest.mark.parametrize("prefix", PREFIXES)
def test_test_account_filters_on_and_off(api, team, clickhouse, prefix):
    hosts = ["example.com", "example.com", "example.com", "localhost"]
    store_events(
        api,
        team,
        [
            {
                "event": "e",
                "distinct_id": f"u{i}",
                "timestamp": "2021-05-01T10:00:00Z",
                "properties": {"$host": h},
            }
            for i, h in enumerate(hosts)
        ],
    )
    day = {"dateRange": {"date_from": "2021-05-01", "date_to": "2021-05-01"}}
    # No filters stored yet: filtering test accounts removes nothing.
    assert trend(api, team, filterTestAccounts=True, **day)["results"][0]["count"] == 4
    rules = [{"key": "$host", "value": ["localhost"], "operator": "is_not", "type": "event"}]
    response = patch(api, team, prefix, test_account_filters=rules, test_account_filters_default_checked=True)
    assert response.status_code == 200, response.json()
    assert response.json()["test_account_filters_default_checked"] is True
    # 3 events not on localhost with the filter on; all 4 with it off.
    assert trend(api, team, filterTestAccounts=True, **day)["results"][0]["count"] == 3
    assert trend(api, team, filterTestAccounts=False, **day)["results"][0]["count"] == 4
    assert patch(api, team, prefix, test_account_filters=[]).status_code == 200
    assert trend(api, team, filterTestAccounts=True, **day)["results"][0]["count"] == 4


@pytest.mark.parametrize("prefix", PREFIXES)
def test_path_cleaning(api, team, clickhouse, prefix):
    views = [
        ("a", "00:00", "/home"),
        ("a", "00:01", "/user/1"),
        ("b", "00:00", "/home"),
        ("b", "00:02", "/user/2"),
    ]
    store_events(
        api,
        team,
        [
            {
                "event": "$pageview",
                "distinct_id": who,
                "timestamp": f"2021-05-01T{at}:00Z",
                "properties": {"$current_url": url},
            }
            for who, at, url in views
        ],
    )
    body = {
        "kind": "PathsQuery",
        "dateRange": {"date_from": "2021-05-01", "date_to": "2021-05-01"},
        "pathsFilter": {"includeEventTypes": ["$pageview"], "pathReplacements": True},
    }

    def edges() -> list[tuple]:
        response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
        assert response.status_code == 200, response.json()
        return sorted((e["source"], e["target"], e["value"]) for e in response.json()["results"])

    assert edges() == [("1_/home", "2_/user/1", 1), ("1_/home", "2_/user/2", 1)]
    rules = [{"regex": "/user/\\d+", "alias": "/user/:id"}]
    response = patch(api, team, prefix, path_cleaning_filters=rules)
    assert response.status_code == 200, response.json()
    # Both users' second pages become /user/:id: one edge of 2.
    assert edges() == [("1_/home", "2_/user/:id", 2)]


def test_saved_insight_recomputes_after_a_setting_change(api, team, clickhouse):
    times = ["2021-03-14T04:30:00Z", "2021-03-15T04:30:00Z"]
    store_events(api, team, [{"event": "e", "distinct_id": "a", "timestamp": t} for t in times])
    source = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "e"}],
        "dateRange": {"date_from": "2021-03-13", "date_to": "2021-03-15"},
    }
    created = api.post(
        f"/api/projects/{team.id}/insights/",
        {"name": "e", "query": {"kind": "InsightVizNode", "source": source}},
        format="json",
    ).json()
    url = f"/api/projects/{team.id}/insights/{created['id']}/"
    assert api.get(url, {"refresh": "blocking"}).json()["result"][0]["data"] == [0, 1, 1]
    assert patch(api, team, timezone="America/New_York").status_code == 200
    # 04:30Z Mar 14 = Mar 13 23:30 EST; 04:30Z Mar 15 = Mar 15 00:30 EDT.
    assert api.get(url, {"refresh": "blocking"}).json()["result"][0]["data"] == [1, 0, 1]
    # The cache-only mode now serves what was computed under the new settings.
    assert api.get(url, {"refresh": "force_cache"}).json()["result"][0]["data"] == [1, 0, 1]


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"week_start_day": 3}, "week_start_day"),
        (
            {"test_account_filters": [{"key": "$host", "operator": "sounds_like", "value": "x"}]},
            "test_account_filters",
        ),
        ({"test_account_filters": {"key": "$host"}}, "test_account_filters"),
        ({"path_cleaning_filters": [{"regex": "(unclosed", "alias": "x"}]}, "path_cleaning_filters"),
        ({"path_cleaning_filters": [{"regex": "", "alias": "x"}]}, "path_cleaning_filters"),
        ({"data_attributes": "data-attr"}, "data_attributes"),
        ({"correlation_config": {"excluded_things": []}}, "correlation_config"),
        ({"name": "  "}, "name"),
        ({"session_recording_opt_in": True}, "session_recording_opt_in"),
    ],
)
def test_bad_settings_are_400(api, team, fields, attr):
    response = patch(api, team, **fields)
    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error" and response.json()["attr"] == attr
    team.refresh_from_db()
    assert team.timezone == "UTC" and team.week_start_day == 0 and team.path_cleaning_filters == []


def test_bad_timezone_message(api, team):
    body = patch(api, team, timezone="Mars/Base").json()
    assert body["detail"] == '"Mars/Base" is not a valid choice.'


def test_settings_are_stored_and_read_back(api, team):
    fields = {
        "name": "Renamed",
        "data_attributes": ["data-attr", "data-testid"],
        "person_display_name_properties": ["email", "username"],
        "correlation_config": {"excluded_person_property_names": ["$browser"]},
        "week_start_day": None,
    }
    response = patch(api, team, "environments", **fields)
    assert response.status_code == 200, response.json()
    read = api.get(f"/api/projects/{team.id}/").json()
    assert {k: read[k] for k in fields} == {**fields, "week_start_day": 0}
    team.refresh_from_db()
    assert team.project.name == "Renamed"
    # Read-only fields in the body are ignored, as DRF does.
    token = team.api_token
    assert patch(api, team, api_token="phc_other", id=999).status_code == 200
    team.refresh_from_db()
    assert team.api_token == token and team.id != 999


def test_scopes(client, team, owner):
    url = f"/api/projects/{team.id}/"
    read_key = make_key(owner.user, ["project:read"])
    write_key = make_key(owner.user, ["project:write"])
    other_key = make_key(owner.user, ["insight:write"])
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {read_key}").status_code == 200
    assert (
        client.patch(url, {"name": "x"}, format="json", HTTP_AUTHORIZATION=f"Bearer {read_key}").status_code
        == 403
    )
    assert (
        client.patch(url, {"name": "x"}, format="json", HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code
        == 403
    )
    response = client.patch(url, {"name": "y"}, format="json", HTTP_AUTHORIZATION=f"Bearer {write_key}")
    assert response.status_code == 200 and response.json()["name"] == "y"
    assert client.delete(url, HTTP_AUTHORIZATION=f"Bearer {write_key}").status_code == 405


def test_member_may_change_settings_and_other_projects_are_404(client, team, member, outsider):
    response = client.patch(
        f"/api/projects/{team.id}/", {"timezone": "Europe/Paris"}, format="json", **member.auth
    )
    assert response.status_code == 200
    for prefix in PREFIXES:
        response = client.patch(
            f"/api/{prefix}/{team.id}/", {"timezone": "Asia/Tokyo"}, format="json", **outsider.auth
        )
        assert response.status_code == 404
    team.refresh_from_db()
    assert team.timezone == "Europe/Paris"
