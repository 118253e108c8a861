"""StickinessQuery runner: how many actors were active in exactly (or at
least, when cumulative) k of the range's intervals (engine.md §7).
"""

from __future__ import annotations

from typing import Any

from query_engine.actions import load_actions
from query_engine.dates import DateWindow
from query_engine.limits import check_result_cells
from query_engine.model import Series
from query_engine.runners.base import Staleness
from query_engine.runners.common import action_dict, previous_window, run_sql, series_label, window_for
from query_engine.runners.stickiness.spec import stickiness_spec
from query_engine.runners.stickiness.sql import stickiness_query
from query_engine.sql.series import SeriesRequest
from query_engine.team import TeamContext


def stickiness_labels(count: int, interval: str, cumulative: bool) -> list[str]:
    suffix = " or more" if cumulative else ""
    return [f"{k} {interval}{'' if k == 1 else 's'}{suffix}" for k in range(1, count + 1)]


def suffix_sums(data: list[int]) -> list[int]:
    out, total = [0] * len(data), 0
    for i in range(len(data) - 1, -1, -1):
        total += data[i]
        out[i] = total
    return out


class StickinessRunner:
    kind = "StickinessQuery"
    timeout_key = "StickinessQuery"
    staleness = Staleness.INTERVAL
    legacy_insight: str | None = "STICKINESS"
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.query = query
        self.spec = stickiness_spec(query)
        self.ctx = team.started()
        self.actions = load_actions(team, self.spec.series)

    def calculate(self) -> dict[str, Any]:
        window = window_for(self.spec, self.ctx, timeout_key=self.timeout_key)
        periods: list[tuple[DateWindow, str | None]] = [(window, "current" if self.spec.compare else None)]
        if self.spec.compare:
            periods.append((previous_window(self.spec, window, self.ctx), "previous"))
        buckets = len(window.buckets)
        check_result_cells(
            len(self.spec.series) * buckets * len(periods),
            attr="series",
            what=f"{len(self.spec.series)} series x {buckets} intervals x {len(periods)} periods",
        )
        results = []
        for period, label in periods:
            for series in self.spec.series:
                entry = self._entry(series, period)
                if label:
                    entry.update({"compare": True, "compare_label": label})
                results.append(entry)
        return {"results": results, "timings": []}

    def request(self, series: Series, window: DateWindow) -> SeriesRequest:
        filters = self.ctx.property_groups(self.spec.properties, self.spec.filter_test_accounts)
        return SeriesRequest(
            series=series,
            team=self.ctx,
            interval=self.spec.interval,
            date_from=window.filter_from,
            date_to=window.date_to,
            filters=tuple(filters),
            actions=self.actions,
        )

    def _entry(self, series: Series, window: DateWindow) -> dict[str, Any]:
        req = self.request(series, window)
        sql, params = stickiness_query(req, self.spec.operator, self.spec.value)
        size = len(window.buckets)
        data = [0] * size
        for intervals_active, actors in run_sql(sql, params, timeout_key=self.timeout_key).rows:
            if 1 <= intervals_active <= size:
                data[intervals_active - 1] = actors
        cumulative = self.spec.computed_as == "cumulative"
        raw_series = (self.query.get("series") or [{}])[series.order]
        return {
            "count": sum(data),
            "data": suffix_sums(data) if cumulative else data,
            "days": list(range(1, size + 1)),
            "labels": stickiness_labels(size, self.spec.interval, cumulative),
            "label": series_label(series, self.actions),
            "action": action_dict(series, self.actions, raw_series if isinstance(raw_series, dict) else {}),
        }
