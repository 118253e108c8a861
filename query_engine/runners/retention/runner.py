"""The ``RetentionQuery`` runner: options → window → one SQL statement → cohort rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from query_engine.actions import load_actions
from query_engine.cohorts.source import cohort_ref
from query_engine.dates import localize
from query_engine.model import BREAKDOWN_OTHER, ActionDef, PropertyFilter, PropertyGroup, Series
from query_engine.nodes import ALL_USERS
from query_engine.runners.base import Staleness
from query_engine.runners.common import run_sql
from query_engine.runners.retention.options import RetentionOptions, entities, retention_options
from query_engine.runners.retention.results import cohort_rows, matrices, ranked_values
from query_engine.runners.retention.sql import RetentionSql, retention_sql
from query_engine.runners.retention.window import RetentionWindow, retention_window
from query_engine.sql.events import (
    FilterContext,
    entity_condition,
    events_source,
    filters_condition,
    person_id_expr,
    team_condition,
)
from query_engine.sql.groups import group_column
from query_engine.sql.params import Params
from query_engine.sql.properties import property_value
from query_engine.sql.sessions import session_join
from query_engine.team import TeamContext


def _and(*parts: str) -> str:
    kept = [p for p in parts if p and p != "1"]
    if not kept:
        return "1"
    return kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"


class RetentionBuilder:
    """Compiles options + team context into the retention statement (pure)."""

    def __init__(self, options: RetentionOptions, team: TeamContext, actions: dict[int, ActionDef]) -> None:
        self.options = options
        self.team = team
        self.actions = actions
        self.ctx = FilterContext(team.tz, team.now or datetime.now(UTC), team.id)

    def _entity(self, series: Series, params: Params, *, with_properties: bool = True) -> str:
        condition = entity_condition(series, params, self.ctx, self.actions)
        if not with_properties:
            return condition
        return _and(condition, filters_condition([series.properties], params, self.ctx))

    def _actor(self, params: Params) -> tuple[str, str, str]:
        """(FROM clause, actor expression, extra condition)."""
        index = self.options.aggregation_group_type_index
        if index is not None:
            column = group_column(index, "events")
            return events_source(params, self.team.id, with_person=False), column, f"{column} != ''"
        return events_source(params, self.team.id, with_person=True), person_id_expr(), "1"

    def build(self, window: RetentionWindow, kept_values: tuple[str, ...] | None = None) -> tuple[str, dict]:
        params = Params()
        sql = retention_sql(self.compile(window, params, kept_values), params)
        return sql, params.values

    def compile(
        self, window: RetentionWindow, params: Params, kept_values: tuple[str, ...] | None = None
    ) -> RetentionSql:
        """The statement's fragments (the matrix and its actors mode are printed from them)."""
        options = self.options
        source, actor, actor_condition = self._actor(params)
        filters = self.team.property_groups(options.properties, options.filter_test_accounts)
        breakdown = None
        if options.breakdown is not None and options.breakdown.type == "session":
            # First-time cohorts read target events before the window too: their sessions as well.
            everything = options.retention_type != "retention_recurring"
            since = None if everything else window.start_utc
            source += "\n" + session_join(params, self.team.id, since, window.end_utc)
        if options.breakdown is not None:
            value = property_value(
                options.breakdown.type,
                str(options.breakdown.property),
                params,
                self.team.tz,
                options.breakdown.group_type_index,
            )
            breakdown = f"ifNull({value}, '')"
        target = self._entity(options.target, params)
        return RetentionSql(
            source=source,
            actor=actor,
            where=_and(
                team_condition(params, self.team.id),
                actor_condition,
                filters_condition(filters, params, self.ctx),
            ),
            target=target,
            returning=target
            if options.returning == options.target
            else self._entity(options.returning, params),
            period=options.period,
            tz=self.team.tz.key,
            week_start_day=self.team.week_start_day,
            start=window.start_utc,
            end=window.end_utc,
            intervals=window.intervals,
            first_time=options.retention_type == "retention_first_time",
            target_any=(
                self._entity(options.target, params, with_properties=False)
                if options.retention_type == "retention_first_ever_occurrence"
                else None
            ),
            cumulative=options.cumulative,
            minimum_occurrences=options.minimum_occurrences,
            breakdown=breakdown,
            kept_values=kept_values,
            other_value=BREAKDOWN_OTHER,
        )


def restrict_to_cohort(options: RetentionOptions, value: Any) -> RetentionOptions:
    """One value of a cohort breakdown (``all``: everyone) as an unbroken retention."""
    if value == ALL_USERS:
        return replace(options, breakdown=None)
    condition = PropertyFilter(key="id", value=value, operator="in", type="cohort")
    return replace(options, breakdown=None, properties=PropertyGroup("AND", (options.properties, condition)))


class RetentionRunner:
    """Computes a ``RetentionQuery``: rectangular cohort rows, per breakdown value when broken down."""

    kind = "RetentionQuery"
    timeout_key = "default"
    staleness = Staleness.RETENTION_PERIOD
    legacy_insight: str | None = "RETENTION"
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.team = team.started()
        self.options = retention_options(query)
        self.now = self.team.now or datetime.now(UTC)

    def window(self, context: TeamContext) -> RetentionWindow:
        return retention_window(
            period=self.options.period,
            total_intervals=self.options.total_intervals,
            date_from=self.options.date_range.date_from,
            date_to=self.options.date_range.date_to,
            tz=context.tz,
            now=self.now,
            week_start_day=context.week_start_day,
        )

    def calculate(self) -> dict[str, Any]:
        context = self.team
        window = self.window(context)
        actions = load_actions(context, entities(self.options))
        if self.options.breakdown is not None and self.options.breakdown.type == "cohort":
            results = self._cohort_rows(window, actions)
        else:
            results = self._rows(
                self._matrices(RetentionBuilder(self.options, context, actions), window), window
            )
        return {
            "results": results,
            "timings": [],
            "resolved_date_range": {
                "date_from": localize(window.periods[0], context.tz).isoformat(),
                "date_to": localize(window.end_local, context.tz).isoformat(),
            },
        }

    def _matrices(self, builder: RetentionBuilder, window: RetentionWindow) -> dict[str, list[list[int]]]:
        sql, params = builder.build(window)
        found = matrices(run_sql(sql, params, timeout_key=self.timeout_key).rows, window.intervals)
        breakdown = self.options.breakdown
        if breakdown is not None and len(found) > breakdown.limit:
            # Overflow values merge into "other" per actor, so the matrix is recomputed.
            kept = tuple(ranked_values(found)[: breakdown.limit])
            sql, params = builder.build(window, kept_values=kept)
            found = matrices(run_sql(sql, params, timeout_key=self.timeout_key).rows, window.intervals)
            if breakdown.hide_other:
                found.pop(BREAKDOWN_OTHER, None)
        return found

    def _cohort_rows(self, window: RetentionWindow, actions: dict[int, ActionDef]) -> list[dict[str, Any]]:
        """A cohort breakdown: one retention per cohort, largest first (ties in the order asked);
        ``breakdown_value`` is the cohort id (``all`` for everyone). Not limited."""
        assert self.options.breakdown is not None
        found: list[tuple[Any, list[list[int]]]] = []
        empty = [[0] * window.intervals for _ in range(window.intervals)]
        for value in self.options.breakdown.cohorts():
            if value != ALL_USERS:
                cohort_ref(self.team.id, value, "breakdownFilter__breakdown")
            builder = RetentionBuilder(restrict_to_cohort(self.options, value), self.team, actions)
            sql, params = builder.build(window)
            matrix = matrices(run_sql(sql, params, timeout_key=self.timeout_key).rows, window.intervals)
            found.append((value, matrix.get("", empty)))
        found.sort(key=lambda item: -sum(row[0] for row in item[1]))
        common: dict[str, Any] = {"period": self.options.period, "periods": window.periods, "tz": window.tz}
        return [
            row for value, matrix in found for row in cohort_rows(matrix, breakdown_value=value, **common)
        ]

    def _rows(self, found: dict[str, list[list[int]]], window: RetentionWindow) -> list[dict[str, Any]]:
        common: dict[str, Any] = {"period": self.options.period, "periods": window.periods, "tz": window.tz}
        if self.options.breakdown is None:
            empty = [[0] * window.intervals for _ in range(window.intervals)]
            return cohort_rows(found.get("", empty), **common)
        values = [v for v in ranked_values(found) if v != BREAKDOWN_OTHER]
        if BREAKDOWN_OTHER in found:
            values.append(BREAKDOWN_OTHER)
        return [row for value in values for row in cohort_rows(found[value], breakdown_value=value, **common)]
