"""The ``PathsQuery`` runner: options → one SQL statement → reachable edges."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from query_engine.dates import resolve_window
from query_engine.hogql.expressions import compile_expression
from query_engine.runners.base import Staleness
from query_engine.runners.common import InvalidRegex, run_sql
from query_engine.runners.paths.edges import links
from query_engine.runners.paths.options import PathsOptions, cleaning_rules, paths_options
from query_engine.runners.paths.sql import Cleaning, PathKeys, PathsSql, paths_actors_sql, paths_sql
from query_engine.sql.events import (
    FilterContext,
    and_,
    events_source,
    filters_condition,
    person_id_expr,
    range_condition,
    team_condition,
)
from query_engine.sql.params import Params
from query_engine.team import TeamContext


def _check_regexes(rules: tuple[Cleaning, ...]) -> None:
    for rule in rules:
        try:
            re.compile(rule.regex)
        except (re.error, RecursionError, OverflowError):  # nesting too deep is invalid too
            raise InvalidRegex(rule.regex) from None


class PathsBuilder:
    """Compiles options + team context into the paths statement (pure)."""

    def __init__(self, options: PathsOptions, team: TeamContext, project_rules: tuple[Cleaning, ...]) -> None:
        self.options = options
        self.team = team
        self.project_rules = project_rules

    def window(self) -> tuple[datetime, datetime]:
        date_range = self.options.date_range
        window = resolve_window(
            date_from=date_range.date_from,
            date_to=date_range.date_to,
            interval="day",
            tz=self.team.tz,
            now=self.team.now or datetime.now(UTC),
            week_start_day=self.team.week_start_day,
            explicit=date_range.explicit,
        )
        return window.filter_from, window.date_to

    def build(self) -> tuple[str, dict]:
        params = Params()
        return paths_sql(self.spec(params), params), params.values

    def actors(self, keys: PathKeys) -> tuple[str, dict]:
        """The actors mode: the persons behind ``keys`` from the same session paths."""
        params = Params()
        return paths_actors_sql(self.spec(params), params, keys), params.values

    def spec(self, params: Params) -> PathsSql:
        options = self.options
        ctx = FilterContext(self.team.tz, self.team.now or datetime.now(UTC), self.team.id)
        filters = self.team.property_groups(options.properties, options.filter_test_accounts)
        date_from, date_to = self.window()
        conditions = [
            team_condition(params, self.team.id),
            range_condition(params, date_from, date_to),
            filters_condition(filters, params, ctx),
        ]
        rules = (self.project_rules if options.path_replacements else ()) + options.local_cleaning
        _check_regexes(rules)
        hogql_item = None
        if options.hogql_expression is not None:
            hogql_item = compile_expression(
                options.hogql_expression,
                self.team,
                params,
                attr="pathsFilter__pathsHogQLExpression",
                aggregate=False,
            ).sql
        return PathsSql(
            hogql_item=hogql_item,
            source=events_source(params, self.team.id, with_person=True),
            actor=person_id_expr(),
            where=and_(*conditions),
            include_event_types=options.include_event_types,
            exclude_items=options.exclude_events,
            cleaning=rules,
            groupings=options.path_groupings,
            start_point=options.start_point,
            end_point=options.end_point,
            step_limit=options.step_limit,
            edge_limit=options.edge_limit,
            min_edge_weight=options.min_edge_weight,
            max_edge_weight=options.max_edge_weight,
        )


class PathsRunner:
    """Computes a ``PathsQuery``: edges ``{source, target, value, average_conversion_time}``."""

    kind = "PathsQuery"
    timeout_key = "default"
    staleness = Staleness.INTERVAL
    legacy_insight: str | None = "PATHS"
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.team = team.started()
        self.options = paths_options(query)

    def calculate(self) -> dict[str, Any]:
        project_rules = cleaning_rules(self.team.path_cleaning_filters or [], "path_cleaning_filters")
        builder = PathsBuilder(self.options, self.team, project_rules)
        sql, params = builder.build()
        rows = run_sql(sql, params, timeout_key=self.timeout_key).rows
        date_from, date_to = builder.window()
        return {
            "results": links(rows),
            "timings": [],
            "resolved_date_range": {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        }
