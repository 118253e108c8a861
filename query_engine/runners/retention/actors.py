"""The actors behind one retention cohort row (``InsightActorsQuery`` over a ``RetentionQuery``):
``interval`` = the row (0 = the first start period); each actor comes with ``appearances``,
the lags at which the row counts them. Rows come from the same per-actor arrays the matrix
is counted from (``sql.retention_actors_sql``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from query_engine.actions import load_actions
from query_engine.errors import QueryError
from query_engine.model import BREAKDOWN_OTHER
from query_engine.runners.actors.base import ActorsSql
from query_engine.runners.retention.options import entities
from query_engine.runners.retention.runner import RetentionBuilder, RetentionRunner, restrict_to_cohort
from query_engine.runners.retention.sql import retention_actors_sql
from query_engine.sql.params import Params
from query_engine.team import TeamContext


def retention_actors(team: TeamContext, selector: dict[str, Any]) -> ActorsSql:
    runner = RetentionRunner(team=team, query=selector["source"])
    options = runner.options
    if options.aggregation_group_type_index is None and runner.team.aggregate_by_distinct_id:
        raise QueryError("Actors need persons; this project counts distinct ids.", attr="source")
    window = runner.window(runner.team)
    interval = selector.get("interval")
    if interval is None:
        interval = 0
    if type(interval) is not int or not 0 <= interval < window.intervals:
        raise QueryError(
            f"interval must be a cohort row from 0 to {window.intervals - 1}.", attr="source__interval"
        )
    breakdown = selector.get("breakdown")
    value: str | None = None
    if breakdown is not None and options.breakdown is not None and options.breakdown.type == "cohort":
        # One cohort's retention: the value is its id ("all": everyone).
        wanted = int(breakdown) if str(breakdown).isascii() and str(breakdown).isdigit() else breakdown
        if wanted not in options.breakdown.cohorts():
            raise QueryError("breakdown is not a cohort of the insight.", attr="source__breakdown")
        options, breakdown = restrict_to_cohort(options, wanted), None
    elif options.breakdown is not None and options.breakdown.type == "cohort":
        options = replace(options, breakdown=None)
    if breakdown is not None:
        if options.breakdown is None:
            raise QueryError("breakdown given for an insight without breakdown.", attr="source__breakdown")
        parts = breakdown if isinstance(breakdown, list) else [breakdown]
        if len(parts) != 1 or isinstance(parts[0], dict | list):
            raise QueryError("breakdown must be one value.", attr="source__breakdown")
        value = str(parts[0])
        if value == BREAKDOWN_OTHER:
            raise QueryError("Actors of the other breakdown are not supported yet.", attr="source__breakdown")
    actions = load_actions(runner.team, entities(options))
    params = Params(prefix="a")
    spec = RetentionBuilder(options, runner.team, actions).compile(window, params)
    sql = retention_actors_sql(spec, params, interval, value)
    return ActorsSql(
        sql=sql,
        params=params.values,
        columns=("actor_id", "appearances"),
        group_type_index=options.aggregation_group_type_index,
    )
