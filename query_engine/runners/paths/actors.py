"""The actors behind a part of a paths graph (``InsightActorsQuery`` over a ``PathsQuery``).

The keys sit in ``source.pathsFilter`` (actors.md §2.5): ``pathStartKey`` + ``pathEndKey``
= one edge, ``pathEndKey`` alone = who reached that node, ``pathStartKey`` alone = who left it,
``pathDropoffKey`` = whose path ended there. Rows come from the same session paths the
edges are counted from (``sql.paths_actors_sql``); ``event_count`` is the actor's number of
matching paths, so over an edge's actors it sums to the edge's value."""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.runners.actors.base import ActorsSql
from query_engine.runners.paths.options import cleaning_rules
from query_engine.runners.paths.runner import PathsBuilder, PathsRunner
from query_engine.runners.paths.sql import PathKeys
from query_engine.team import TeamContext

KEYS = {"pathStartKey": "start", "pathEndKey": "end", "pathDropoffKey": "dropoff"}


def path_keys(paths_filter: Any) -> PathKeys:
    found: dict[str, str] = {}
    if not isinstance(paths_filter, dict):
        return PathKeys()
    for name, field in KEYS.items():
        value = paths_filter.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or "_" not in value or not value.split("_", 1)[0].isdigit():
            raise QueryError(
                f"{name} must be a key such as '1_/home' (step number, '_', path item).",
                attr=f"source__source__pathsFilter__{name}",
            )
        found[field] = value
    return PathKeys(**found)


def paths_actors(team: TeamContext, selector: dict[str, Any]) -> ActorsSql:
    for name in ("day", "status", "interval", "series", "breakdown", "compare"):
        if selector.get(name) is not None:
            raise QueryError(f"{name} does not apply to paths actors.", attr=f"source__{name}")
    if selector["source"].get("aggregation_group_type_index") is not None:
        raise QueryError(
            "Paths of groups are not supported.", attr="source__source__aggregation_group_type_index"
        )
    runner = PathsRunner(team=team, query=selector["source"])
    keys = path_keys(selector["source"].get("pathsFilter"))
    project_rules = cleaning_rules(runner.team.path_cleaning_filters or [], "path_cleaning_filters")
    sql, params = PathsBuilder(runner.options, runner.team, project_rules).actors(keys)
    return ActorsSql(sql=sql, params=params, columns=("actor_id", "event_count"))
