"""What every runner is: a class that computes one query node for one team.

A runner class carries everything the rest of the engine needs to know about
its kind, so that no other list of kinds exists (``registry.py`` derives them):

* ``kind``: the node's ``kind`` (``TrendsQuery``);
* ``timeout_key``: its key in ``settings.QUERY_TIMEOUT_SECONDS`` (``default`` if none of its own);
* ``staleness``: how the result cache judges its results stale (``refresh/staleness.py``);
* ``legacy_insight``: its legacy ``filters.insight`` name (``TRENDS``), if it has one;
* ``insight_node``: whether it is an insight query (may be the source of an ``InsightVizNode``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from query_engine.team import TeamContext


class Staleness(StrEnum):
    """How a kind's cached results go stale (rules in ``refresh/staleness.py``)."""

    # By the node's ``interval`` (day by default); clients may refresh every 15 minutes
    # (3 for hourly or short ranges).
    INTERVAL = "interval"
    # As INTERVAL, by ``retentionFilter.period``.
    RETENTION_PERIOD = "retention_period"
    # By ``dateRange``'s interval when the node has one, else by the minute; clients
    # may refresh every minute.
    QUERY = "query"


class Runner(Protocol):
    # Class attributes (plain annotations: a protocol's ClassVar would match only ClassVar).
    kind: str
    timeout_key: str
    staleness: Staleness
    legacy_insight: str | None
    insight_node: bool

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None: ...

    def calculate(self) -> dict[str, Any]:
        """The response body for this kind: at least ``results``; no caching here."""
        ...
