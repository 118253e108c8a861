"""Property operators, hostile strings, legacy parity, CSV, time zones."""

from __future__ import annotations

import pytest

from tests.engine_events import store_events

RANGE = {"date_from": "2020-01-01", "date_to": "2020-01-01"}
HOSTILE = [
    "it's",
    'say "hi"',
    "back\\slash",
    "-- comment",
    "/* c */",
    "{p0:String}",
    "}{",
    "ünïcødé 🦔",
    "x" * 3000,
    "%_%",
]


def count(api, team, **fields) -> float:
    body = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "e"}],
        "dateRange": RANGE,
        **fields,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["results"][0]["count"]


@pytest.fixture
def props(api, team, clickhouse):
    values = [
        {"v": "Alpha", "n": 5},
        {"v": "beta", "n": 15},
        {"v": "", "n": "20"},
        {"n": None},
        {"v": "gamma", "d": "2020-01-05"},
    ]
    store_events(
        api,
        team,
        [
            {"event": "e", "distinct_id": f"u{i}", "timestamp": "2020-01-01T10:00:00Z", "properties": p}
            for i, p in enumerate(values)
        ],
    )
    return team


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        # v: Alpha, beta, "" (= NULL), missing, gamma
        ({"key": "v", "value": "Alpha"}, 1),
        ({"key": "v", "value": ["Alpha", "beta"], "operator": "exact"}, 2),
        ({"key": "v", "value": "Alpha", "operator": "is_not"}, 4),  # missing and "" count as not equal
        ({"key": "v", "value": "ALP", "operator": "icontains"}, 1),
        (
            {"key": "v", "value": "a", "operator": "not_icontains"},
            2,
        ),  # beta/gamma/Alpha contain a → "" and missing
        ({"key": "v", "value": "^[a-z]+$", "operator": "regex"}, 2),
        ({"key": "v", "value": "^[a-z]+$", "operator": "not_regex"}, 3),
        ({"key": "n", "value": 10, "operator": "gt"}, 2),
        ({"key": "n", "value": 15, "operator": "gte"}, 2),
        ({"key": "n", "value": 15, "operator": "lt"}, 1),
        ({"key": "n", "value": 15, "operator": "lte"}, 2),
        ({"key": "n", "value": [10, 20], "operator": "between"}, 2),
        ({"key": "n", "value": [10, 16], "operator": "not_between"}, 2),
        ({"key": "v", "operator": "is_set", "value": "is_set"}, 3),
        ({"key": "v", "operator": "is_not_set", "value": "is_not_set"}, 2),
        ({"key": "v", "value": ["Alpha", "gamma"], "operator": "in"}, 2),
        ({"key": "v", "value": ["Alpha", "gamma"], "operator": "not_in"}, 3),
        ({"key": "d", "value": "2020-01-04", "operator": "is_date_after"}, 1),
        ({"key": "d", "value": "2020-01-06", "operator": "is_date_before"}, 1),
        ({"key": "d", "value": "2020-01-05", "operator": "is_date_exact"}, 1),
        ({"key": "n", "value": 10, "operator": "min"}, 2),
        ({"key": "n", "value": 10, "operator": "max"}, 1),
    ],
)
def test_operators(api, props, prop, expected):
    assert count(api, props, properties=[prop]) == expected


def test_nested_and_or_groups(api, props):
    group = {
        "type": "OR",
        "values": [
            {
                "type": "AND",
                "values": [{"key": "v", "value": "Alpha"}, {"key": "n", "value": 5, "operator": "exact"}],
            },
            {"type": "AND", "values": [{"key": "v", "value": "gamma"}]},
        ],
    }
    assert count(api, props, properties=group) == 2


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_data(api, team, clickhouse, text):
    # Ingestion keeps the first 200 characters of an event name, as PostHog does.
    event = text[:200]
    store_events(
        api,
        team,
        [
            {
                "event": event,
                "distinct_id": "h",
                "timestamp": "2020-01-01T10:00:00Z",
                "properties": {text: text},
            },
            {
                "event": event,
                "distinct_id": "h",
                "timestamp": "2020-01-01T11:00:00Z",
                "properties": {text: "other"},
            },
        ],
    )
    body = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": event, "properties": [{"key": text, "value": text}]}],
        "dateRange": RANGE,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json")
    assert response.status_code == 200 and response.json()["results"][0]["count"] == 1
    body.update(breakdownFilter={"breakdown": text})
    body["series"][0].pop("properties")
    results = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json").json()["results"]
    assert sorted(r["breakdown_value"] for r in results) == sorted([text, "other"])
    regex = api.post(
        f"/api/projects/{team.id}/query/",
        {
            "query": {
                **body,
                "breakdownFilter": None,
                "properties": [{"key": text, "value": text, "operator": "icontains"}],
            }
        },
        format="json",
    )
    assert regex.status_code == 200 and regex.json()["results"][0]["count"] == 1


def test_invalid_regex_is_400(api, props):
    body = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "e"}],
        "properties": [{"key": "v", "value": "(", "operator": "regex"}],
        "dateRange": RANGE,
    }
    response = api.post(f"/api/projects/{props.id}/query/", {"query": body}, format="json")
    assert response.status_code == 400


def test_test_account_filters(api, props):
    props.test_account_filters = [{"key": "v", "value": "Alpha", "operator": "is_not", "type": "event"}]
    props.save()
    assert count(api, props, filterTestAccounts=True) == 4
    assert count(api, props, filterTestAccounts=False) == 5


def test_legacy_and_query_node_parity(api, props):
    legacy = {
        "insight": "TRENDS",
        "events": [
            {"id": "e", "math": "dau", "order": 1},
            {"id": "e", "order": 0, "properties": [{"key": "v", "value": "Alpha"}]},
        ],
        "date_from": "2020-01-01",
        "date_to": "2020-01-01",
        "breakdown": "v",
        "properties": [{"key": "n", "value": 1, "operator": "gt"}],
    }
    old = api.post(f"/api/projects/{props.id}/insights/trend/", legacy, format="json").json()["result"]
    node = {
        "kind": "TrendsQuery",
        "series": [
            {"kind": "EventsNode", "event": "e", "properties": [{"key": "v", "value": "Alpha"}]},
            {"kind": "EventsNode", "event": "e", "math": "dau"},
        ],
        "dateRange": RANGE,
        "breakdownFilter": {"breakdown": "v"},
        "properties": [{"key": "n", "value": 1, "operator": "gt"}],
    }
    new = api.post(f"/api/projects/{props.id}/query/", {"query": node}, format="json").json()["results"]

    def strip(rows):
        return [(r["label"], r["data"], r.get("breakdown_value"), r["action"]["order"]) for r in rows]

    assert strip(old) == strip(new)
    # order 0 (the Alpha-filtered total) comes first although listed second
    assert old[0]["action"]["math"] == "total"


def test_legacy_get_query_string_and_errors(api, props):
    url = f"/api/projects/{props.id}/insights/trend/"
    ok = api.get(
        url,
        {"events": '[{"id": "e"}]', "date_from": "2020-01-01", "date_to": "2020-01-01", "refresh": "true"},
    )
    assert ok.status_code == 200 and ok.json()["result"][0]["count"] == 5 and ok.json()["is_cached"] is False
    again = api.get(url, {"events": '[{"id": "e"}]', "date_from": "2020-01-01", "date_to": "2020-01-01"})
    assert again.json()["is_cached"] is True
    bad = api.get(url, {"events": '[{"id": "e"}]', "interval": "fortnight"})
    assert bad.status_code == 400 and bad.json()["attr"] == "interval"
    bad_date = api.get(url, {"events": '[{"id": "e"}]', "date_from": "2020-02-31"})
    assert bad_date.status_code == 400 and bad_date.json()["attr"] == "date_from"


def test_csv(api, props):
    url = f"/api/projects/{props.id}/insights/trend/"
    response = api.get(
        url, {"events": '[{"id": "e"}]', "date_from": "2020-01-01", "date_to": "2020-01-02", "format": "csv"}
    )
    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["series,1-Jan-2020,2-Jan-2020", "e,5.0,0.0"]
    assert "attachment" in response["Content-Disposition"]


def test_daylight_saving_day_is_one_bucket(api, team, clickhouse):
    team.timezone = "America/New_York"
    team.save()
    # 2021-03-14 has 23 hours in New York; 2021-11-07 has 25
    events = [
        {"event": "e", "distinct_id": "a", "timestamp": ts}
        for ts in [
            "2021-03-14T04:30:00Z",
            "2021-03-14T06:30:00Z",
            "2021-03-15T03:30:00Z",
            "2021-11-07T04:30:00Z",
            "2021-11-08T04:59:00Z",
        ]
    ]
    store_events(api, team, events)
    body = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "e"}],
        "dateRange": {"date_from": "2021-03-13", "date_to": "2021-03-15"},
    }
    result = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json").json()["results"][0]
    # 04:30Z = Mar 13 23:30 EST; 06:30Z = Mar 14 01:30 EST; 03:30Z Mar 15 = Mar 14 23:30 EDT
    assert result["days"] == ["2021-03-13", "2021-03-14", "2021-03-15"] and result["data"] == [1, 2, 0]
    body["dateRange"] = {"date_from": "2021-11-07", "date_to": "2021-11-07"}
    fall = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json").json()["results"][0]
    # 04:30Z = Nov 7 00:30 EDT; Nov 8 04:59Z = Nov 7 23:59 EST
    assert fall["data"] == [2] and fall["action"]["days"] == ["2021-11-07T00:00:00-04:00"]


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"event": "$pageview", "url": "https://x.com/Pricing", "url_matching": "exact"}, 1),
        # contains is a case-sensitive LIKE: "pricing" matches only the lower-case URL
        ({"event": "$pageview", "url": "pricing", "url_matching": "contains"}, 1),
        ({"event": "$pageview", "url": "[Pp]ricing$", "url_matching": "regex"}, 2),
        ({"url": "x.com"}, 3),  # no event: any event with a matching URL
    ],
)
def test_action_url_matching(api, team, clickhouse, step, expected):
    from analytics.models import Action

    urls = ["https://x.com/Pricing", "https://x.com/pricing", "https://y.com/"]
    events = [
        {
            "event": "$pageview",
            "distinct_id": "a",
            "timestamp": "2020-01-01T10:00:00Z",
            "properties": {"$current_url": u},
        }
        for u in urls
    ]
    events.append(
        {
            "event": "$click",
            "distinct_id": "a",
            "timestamp": "2020-01-01T10:00:00Z",
            "properties": {"$current_url": "https://x.com/a"},
        }
    )
    store_events(api, team, events)
    action = Action.objects.create(team=team, name="act", steps=[step])
    body = {"kind": "TrendsQuery", "series": [{"kind": "ActionsNode", "id": action.id}], "dateRange": RANGE}
    result = api.post(f"/api/projects/{team.id}/query/", {"query": body}, format="json").json()["results"][0]
    assert result["count"] == expected
