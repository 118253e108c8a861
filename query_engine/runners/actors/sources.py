"""An ActorsQuery's ``source`` → the actor rows of that data point (``ActorsSql``).

Each insight kind answers with the actors mode of its own builder (``runners/<kind>/actors.py``).
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.node_fields import check_node_fields
from query_engine.nodes import unwrap
from query_engine.runners.actors.base import ActorsSql
from query_engine.runners.funnel_correlation.actors import correlation_actors
from query_engine.runners.funnels.actors import funnels_actors
from query_engine.runners.lifecycle.actors import lifecycle_actors
from query_engine.runners.paths.actors import paths_actors
from query_engine.runners.retention.actors import retention_actors
from query_engine.runners.stickiness.actors import stickiness_actors
from query_engine.runners.trends.actors import TrendsActors
from query_engine.team import TeamContext

# Selector fields each source node may carry (anything else is refused, naming it).
INSIGHT_ACTORS_FIELDS = {
    "kind",
    "source",
    "day",
    "status",
    "interval",
    "series",
    "breakdown",
    "compare",
    "includeRecordings",
    "modifiers",
    "response",
}


def _check(node: dict[str, Any], allowed: set[str]) -> None:
    for name in sorted(node):
        if name not in allowed:
            raise QueryError(f"Unsupported field {name!r} for {node.get('kind')}.", attr=f"source__{name}")


def _check_insight(insight: dict[str, Any], prefix: str) -> None:
    """The insight's own field rules (unknown fields, options not built), as on ``/query/``:
    actors of an insight this engine would refuse to compute are refused too."""
    try:
        check_node_fields(insight)
    except QueryError as error:
        error.attr = f"{prefix}__{error.attr}" if error.attr else prefix
        raise


def actors_source(team: TeamContext, node: Any) -> ActorsSql:
    if not isinstance(node, dict):
        raise QueryError("source must be a query object.", attr="source")
    kind = node.get("kind")
    if kind == "InsightActorsQuery":
        _check(node, INSIGHT_ACTORS_FIELDS)
        source = node.get("source")
        if not isinstance(source, dict):
            raise QueryError("InsightActorsQuery needs an insight query as source.", attr="source__source")
        node = {**node, "source": unwrap(source)}
        _check_insight(node["source"], "source__source")
        insight = node["source"].get("kind")
        if insight == "TrendsQuery":
            return TrendsActors(team, node).actors_sql()
        if insight == "StickinessQuery":
            return stickiness_actors(team, node)
        if insight == "LifecycleQuery":
            return lifecycle_actors(team, node)
        if insight == "RetentionQuery":
            return retention_actors(team, node)
        if insight == "PathsQuery":
            return paths_actors(team, node)
        raise QueryError(
            f"Actors of {insight!r} insights are not supported yet.", attr="source__source__kind"
        )
    if kind == "FunnelsActorsQuery":
        if isinstance(node.get("source"), dict):
            _check_insight(node["source"], "source__source")
        return funnels_actors(team, node)
    if kind == "FunnelCorrelationActorsQuery":
        if isinstance(node.get("source"), dict):
            _check_insight(node["source"], "source__source")
        return correlation_actors(team, node)
    raise QueryError(f"Unsupported actors source kind {kind!r}.", attr="source__kind")
