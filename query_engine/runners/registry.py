"""Every query kind the engine computes, in one literal dict: ``kind`` → runner class.

Adding a kind is one ``runners/<kind>/`` folder and one line here; every other
list of kinds (staleness rules, time limits, legacy insight names, which
kinds an ``InsightVizNode`` may wrap) is read from the runner classes.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.limits import check_filter_count
from query_engine.node_fields import check_node_fields
from query_engine.nodes import WRAPPER_KINDS, unwrap
from query_engine.runners.actors.runner import ActorsQueryRunner
from query_engine.runners.base import Runner
from query_engine.runners.events_query.runner import EventsQueryRunner
from query_engine.runners.funnel_correlation.runner import FunnelCorrelationRunner
from query_engine.runners.funnels.runner import FunnelsRunner
from query_engine.runners.groups_query.runner import GroupsQueryRunner
from query_engine.runners.hogql.runner import HogQLQueryRunner
from query_engine.runners.hogql_metadata.runner import HogQLMetadataRunner
from query_engine.runners.insight_actors_options.runner import InsightActorsQueryOptionsRunner
from query_engine.runners.lifecycle.runner import LifecycleRunner
from query_engine.runners.paths.runner import PathsRunner
from query_engine.runners.retention.runner import RetentionRunner
from query_engine.runners.stickiness.runner import StickinessRunner
from query_engine.runners.trends.runner import TrendsRunner
from query_engine.team import TeamContext

RUNNERS: dict[str, type[Runner]] = {
    "TrendsQuery": TrendsRunner,
    "StickinessQuery": StickinessRunner,
    "LifecycleQuery": LifecycleRunner,
    "FunnelsQuery": FunnelsRunner,
    "FunnelCorrelationQuery": FunnelCorrelationRunner,
    "RetentionQuery": RetentionRunner,
    "PathsQuery": PathsRunner,
    "HogQLQuery": HogQLQueryRunner,
    "HogQLMetadata": HogQLMetadataRunner,
    "EventsQuery": EventsQueryRunner,
    "ActorsQuery": ActorsQueryRunner,
    "GroupsQuery": GroupsQueryRunner,
    "InsightActorsQueryOptions": InsightActorsQueryOptionsRunner,
}


def runner_class(kind: Any) -> type[Runner] | None:
    return RUNNERS.get(kind) if isinstance(kind, str) else None


def insight_query_kinds() -> frozenset[str]:
    """Kinds an ``InsightVizNode`` may wrap."""
    return frozenset(kind for kind, cls in RUNNERS.items() if cls.insight_node)


def legacy_query_kinds() -> dict[str, str]:
    """Legacy ``filters.insight`` name → query kind (``TRENDS`` → ``TrendsQuery``)."""
    return {cls.legacy_insight: kind for kind, cls in RUNNERS.items() if cls.legacy_insight}


def runner_for(*, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> Runner:
    if not isinstance(query, dict):
        raise QueryError("Query must be a JSON object.", attr="query")
    node = unwrap(query)
    check_filter_count(node)
    kind = node.get("kind")
    if not isinstance(kind, str):
        raise QueryError("kind must be a query kind name.", attr="query__kind")
    if kind in WRAPPER_KINDS:
        raise QueryError(f"{kind} needs a source query.", attr="query__source")
    cls = runner_class(kind)
    if cls is None:
        known = ", ".join(sorted(RUNNERS)) or "none yet"
        raise QueryError(f"Unsupported query kind {kind!r}; supported: {known}.", attr="query__kind")
    check_node_fields(node)
    return cls(team=team, query=node, user_id=user_id)
