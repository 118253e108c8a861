"""Shared helpers for the funnel HTTP tests: fixture events and a ``/query/`` call."""

from __future__ import annotations

from typing import Any

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-07"}
STEPS = ["signup", "activate", "pay"]


def ev(person: str, event: str, at: str, day: int = 1, **props: Any) -> dict[str, Any]:
    """An event at ``at`` (HH:MM:SS) on 2024-01-``day`` UTC."""
    return {
        "event": event,
        "distinct_id": person,
        "timestamp": f"2024-01-{day:02d}T{at}Z",
        "properties": props,
    }


def funnel_query(steps=STEPS, **fields: Any) -> dict[str, Any]:
    funnels = {
        "funnelWindowInterval": 1,
        "funnelWindowIntervalUnit": "hour",
        **fields.pop("funnelsFilter", {}),
    }
    return {
        "kind": "FunnelsQuery",
        "series": [s if isinstance(s, dict) else {"kind": "EventsNode", "event": s} for s in steps],
        "dateRange": fields.pop("dateRange", RANGE),
        "funnelsFilter": funnels,
        **fields,
    }


def run_query(api, team, query: dict[str, Any], status: int = 200) -> Any:
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == status, response.json()
    return response.json()


def funnel(api, team, steps=STEPS, **fields: Any) -> Any:
    return run_query(api, team, funnel_query(steps, **fields))["results"]


def counts(result: list[dict[str, Any]]) -> list[int]:
    return [step["count"] for step in result]
