"""A small hand-counted event set for the HogQL tests, in the test's project and another one.

Project events (2024-01-0D 12:00 UTC), persons' ``plan`` set by ``$set`` on each event:

| distinct_id | plan | $browser | events |
|---|---|---|---|
| u1 | pro  | Chrome  | $pageview on days 1, 2, 3; signup on day 3 |
| u2 | free | Firefox | $pageview on days 2, 3 |
| u3 | —    | Chrome  | $pageview on day 3; signup on day 3 |

So: 6 $pageview + 2 signup; Chrome pageviews 4 (1 on day 1, 1 on day 2, 2 on day 3).
The other project has 5 ``secret`` events from ``intruder`` (plan ``stolen``).
"""

from __future__ import annotations

from typing import Any

from tests.engine_events import store_events

PEOPLE = {"u1": ("pro", "Chrome"), "u2": ("free", "Firefox"), "u3": (None, "Chrome")}
EVENTS = [("u1", "$pageview", 1), ("u1", "$pageview", 2), ("u1", "$pageview", 3), ("u1", "signup", 3)]
EVENTS += [("u2", "$pageview", 2), ("u2", "$pageview", 3), ("u3", "$pageview", 3), ("u3", "signup", 3)]


def event(distinct_id: str, name: str, day: int) -> dict[str, Any]:
    plan, browser = PEOPLE[distinct_id]
    properties: dict[str, Any] = {"$browser": browser, "price": day * 10}
    if plan:
        properties["$set"] = {"plan": plan}
    return {
        "event": name,
        "distinct_id": distinct_id,
        "timestamp": f"2024-01-{day:02d}T12:00:00Z",
        "properties": properties,
    }


def store_fixture(api: Any, team: Any, other_team: Any) -> None:
    store_events(api, team, [event(*e) for e in EVENTS])
    secret = {"event": "secret", "distinct_id": "intruder", "properties": {"$set": {"plan": "stolen"}}}
    store_events(api, other_team, [{**secret, "timestamp": f"2024-01-0{d}T12:00:00Z"} for d in range(1, 6)])


def hogql(api: Any, team: Any, text: str, **fields: Any) -> Any:
    body = {"query": {"kind": "HogQLQuery", "query": text, **fields}}
    return api.post(f"/api/projects/{team.id}/query/", body, format="json")
