"""LifecycleQuery runner: new / returning / resurrecting / dormant actors per
interval (engine.md §8). The status rules run in ClickHouse (see
``runners/lifecycle/sql.py``); this fills the four zero-padded series.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from query_engine.actions import load_actions
from query_engine.dates import DateWindow, localize, step
from query_engine.runners.base import Staleness
from query_engine.runners.common import bucket_index, run_sql, series_label, window_for
from query_engine.runners.lifecycle.spec import lifecycle_spec
from query_engine.runners.lifecycle.sql import lifecycle_query
from query_engine.sql.series import SeriesRequest
from query_engine.team import TeamContext

STATUSES = ("new", "returning", "resurrecting", "dormant")


class LifecycleRunner:
    kind = "LifecycleQuery"
    timeout_key = "LifecycleQuery"
    staleness = Staleness.INTERVAL
    legacy_insight: str | None = "LIFECYCLE"
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.query = query
        self.spec = lifecycle_spec(query)
        self.ctx = team.started()
        self.actions = load_actions(team, self.spec.series)

    def request(self, window: DateWindow) -> tuple[SeriesRequest, datetime]:
        """The series request and where its events start (one interval before the first bucket)."""
        buckets = window.buckets
        interval = self.spec.interval
        first, last = buckets[0], buckets[-1]
        filters = self.ctx.property_groups(self.spec.properties, self.spec.filter_test_accounts)
        req = SeriesRequest(
            series=self.spec.series[0],
            team=self.ctx,
            interval=interval,
            date_from=localize(first, window.tz),
            date_to=localize(step(last, interval), window.tz) - timedelta(microseconds=1),
            filters=tuple(filters),
            actions=self.actions,
        )
        return req, localize(step(first, interval, -1), window.tz)

    def calculate(self) -> dict[str, Any]:
        window = window_for(self.spec, self.ctx, timeout_key=self.timeout_key)
        buckets = window.buckets
        series = self.spec.series[0]
        req, date_from = self.request(window)
        sql, params = lifecycle_query(req, date_from, self.spec.aggregation_group_type_index)
        index = bucket_index(window)
        counts = {status: [0.0] * len(buckets) for status in STATUSES}
        for period, status, actors in run_sql(sql, params, timeout_key=self.timeout_key).rows:
            if period in index:
                counts[status][index[period]] = float(-actors if status == "dormant" else actors)
        results = [self._entry(series, status, counts[status], window) for status in STATUSES]
        return {"results": results, "timings": []}

    def _entry(self, series, status: str, data: list[float], window) -> dict[str, Any]:
        name = series_label(series, self.actions)
        action = {
            "id": name if series.kind == "events" else str(series.action_id),
            "name": name,
            "type": series.kind,
            "order": 0,
            "math": "total",
        }
        if series.custom_name:
            action["custom_name"] = series.custom_name
        return {
            "action": action,
            "data": data,
            "count": float(sum(data)),
            "labels": window.labels(),
            "days": window.days(),
            "label": f"{name} - {status}",
            "status": status,
        }
