"""Shared helpers for the funnel HTTP tests: fixture events and a ``/query/`` call.

Every funnel a test answers through ``run_query`` on the packed plan
(query_engine/runners/funnels/packing.py) is answered again on the general
tuple plan and the two results must be the same: so every funnel fixture
checks that the per-query plan choice never changes an answer.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any
from unittest import mock

from query_engine.runners.funnels import compile as funnel_compile
from query_engine.runners.funnels.packing import packable

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


@contextmanager
def plan_spy():
    """Records each funnel's plan choice (True = packed) while the block runs."""
    choices: list[bool] = []

    def spy(spec: Any) -> bool:
        choices.append(packable(spec))
        return choices[-1]

    with mock.patch.object(funnel_compile, "packable", spy):
        yield choices


def _rounded(value: Any) -> Any:
    """Results with floats to 9 significant digits: sums of conversion times may add in another order."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def run_query(api, team, query: dict[str, Any], status: int = 200) -> Any:
    url = f"/api/projects/{team.id}/query/"
    with plan_spy() as choices:
        response = api.post(url, {"query": query}, format="json")
    assert response.status_code == status, response.json()
    body = response.json()
    if status == 200 and any(choices):
        with mock.patch.object(funnel_compile, "packable", lambda spec: False):
            general = api.post(url, {"query": query, "refresh": "force_blocking"}, format="json").json()
        assert _rounded(general["results"]) == _rounded(body["results"]), "the two plans disagree"
    return body


def funnel(api, team, steps=STEPS, **fields: Any) -> Any:
    return run_query(api, team, funnel_query(steps, **fields))["results"]


def counts(result: list[dict[str, Any]]) -> list[int]:
    return [step["count"] for step in result]
