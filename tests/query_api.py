"""``POST /api/<prefix>/<team>/query/`` as tests send it."""

from __future__ import annotations

from typing import Any


def post_query(api, team, node: dict[str, Any], *, prefix: str = "projects", **body: Any):
    """The raw response to a query node (plus any other body fields: refresh, async…)."""
    return api.post(f"/api/{prefix}/{team.id}/query/", {"query": node, **body}, format="json")
