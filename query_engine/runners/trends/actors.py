"""The actors behind one trends data point (``InsightActorsQuery`` over a ``TrendsQuery``).

The point (``day``, ``series``, ``breakdown``, ``compare``) is resolved against the same
date window and series request the runner computes the number from, and its SQL is the
actors mode of the same builder (``sql.actors_query``), so the list and the number agree.
"""

from __future__ import annotations

from typing import Any

from query_engine.dates import DateWindow, localize
from query_engine.errors import QueryError
from query_engine.model import BREAKDOWN_OTHER
from query_engine.runners.actors.base import ActorsSql, parse_day, series_index
from query_engine.runners.common import previous_window, window_for
from query_engine.runners.trends.runner import TrendsRunner, in_cohort
from query_engine.runners.trends.sql import ACTOR_COLUMNS, TrendsPoint, actors_query
from query_engine.team import TeamContext

SOURCE = "source__source"


class TrendsActors:
    def __init__(self, team: TeamContext, selector: dict[str, Any]) -> None:
        source = selector["source"]
        self.runner = TrendsRunner(team=team, query=source)
        spec = self.runner.spec
        if spec.display == "ActionsLineGraphCumulative":
            raise QueryError(
                "Actors of a cumulative trend are not supported: use the non-cumulative display.",
                attr=f"{SOURCE}__trendsFilter__display",
            )
        if spec.smoothing_intervals > 1:
            raise QueryError(
                "Actors of a smoothed trend are not supported: use smoothingIntervals 1.",
                attr=f"{SOURCE}__trendsFilter__smoothingIntervals",
            )
        self.team = self.runner.ctx
        self.series_index = series_index(selector.get("series"), len(spec.series), "source__series")
        self.series = self.runner._effective(spec.series[self.series_index])
        # unique_group counts the groups of one type: they are the actors (by key).
        self.group_type_index = (
            self.series.math_group_type_index if self.series.math == "unique_group" else None
        )
        if self.group_type_index is None and self.team.aggregate_by_distinct_id:
            raise QueryError("Actors need persons; this project counts distinct ids.", attr="source")
        compare = selector.get("compare")
        if compare not in (None, "current", "previous"):
            raise QueryError("compare must be 'current' or 'previous'.", attr="source__compare")
        if compare == "previous" and not spec.compare:
            raise QueryError("compare 'previous' needs a comparing insight.", attr="source__compare")
        self.previous = compare == "previous"
        self.day = selector.get("day")
        if self.runner.total_value and self.day is not None:
            raise QueryError(f"A day is forbidden for the {spec.display} display.", attr="source__day")
        if not self.runner.total_value and self.day is None:
            raise QueryError(f"A day is required for the {spec.display} display.", attr="source__day")
        self.breakdown = selector.get("breakdown")
        if self.breakdown is not None and spec.breakdown is None:
            raise QueryError("breakdown given for an insight without breakdown.", attr="source__breakdown")

    def _point(self, current: DateWindow, window: DateWindow) -> TrendsPoint:
        bucket = end = None
        if self.day is not None:
            wanted = parse_day(self.day, self.team.tz, "source__day")
            starts = list(current.buckets)
            if wanted not in starts:
                raise QueryError(f"day {self.day!r} is not a bucket of the insight.", attr="source__day")
            index = starts.index(wanted)  # the same position in the compared period
            buckets = window.buckets
            bucket = localize(buckets[index], window.tz)
            end = localize(buckets[index + 1], window.tz) if index + 1 < len(buckets) else window.date_to
        value, others = self._breakdown(window)
        return TrendsPoint(bucket=bucket, bucket_end=end, breakdown=value, not_breakdowns=others)

    def _breakdown(self, window: DateWindow) -> tuple[Any, tuple[Any, ...]]:
        breakdown = self.runner.spec.breakdown
        if breakdown is None or self.breakdown is None or self.runner.cohort_names:
            return None, ()  # a cohort breakdown's value restricts the request instead
        value = self.breakdown
        if breakdown.multi:
            if not isinstance(value, list) or len(value) != len(breakdown.parts()):
                raise QueryError(
                    f"breakdown must list {len(breakdown.parts())} values.", attr="source__breakdown"
                )
            value = [str(v) for v in value]
            is_other = all(v == BREAKDOWN_OTHER for v in value)
        else:
            if isinstance(value, list | dict | bool):
                raise QueryError("breakdown must be one value.", attr="source__breakdown")
            value = str(value)
            is_other = value == BREAKDOWN_OTHER
        if not is_other:
            return value, ()
        return None, tuple(self._shown_values(window))

    def _shown_values(self, window: DateWindow) -> list[Any]:
        """The values the insight shows as their own entries (everything else is 'other')."""
        runner = self.runner
        runner.period = window
        entries = runner._series_entries(runner.spec.series[self.series_index], window)
        shown = [e["breakdown_value"] for e in entries if "breakdown_value" in e]
        return [v for v in shown if v != BREAKDOWN_OTHER and v != [BREAKDOWN_OTHER] * len(v or [])]

    def actors_sql(self) -> ActorsSql:
        runner = self.runner
        current = window_for(
            runner.spec, runner.ctx, timeout_key=runner.timeout_key, exact=runner.spec.display == "BoldNumber"
        )
        window = previous_window(runner.spec, current, runner.ctx) if self.previous else current
        request = runner._request(self.series, window)
        if runner.cohort_names and self.breakdown is not None:
            value = self.breakdown if self.breakdown in runner.cohort_names else str(self.breakdown)
            value = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
            if value not in runner.cohort_names:
                raise QueryError("breakdown is not a cohort of the insight.", attr="source__breakdown")
            request = in_cohort(request, value)
        sql, params = actors_query(request, self._point(current, window))
        return ActorsSql(
            sql=sql, params=params, columns=ACTOR_COLUMNS, group_type_index=self.group_type_index
        )
