"""LifecycleQuery runner: new / returning / resurrecting / dormant actors per
interval (engine.md §8). SQL returns each actor's active buckets and creation
bucket; the status rules are applied here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from query_engine.actions import load_actions
from query_engine.dates import localize, step
from query_engine.nodes import lifecycle_spec
from query_engine.runners.common import run_sql, series_label, window_for
from query_engine.runners.registry import register
from query_engine.sql.actors import lifecycle_query
from query_engine.sql.context import TeamContext
from query_engine.sql.trends import SeriesRequest

KIND = "LifecycleQuery"
STATUSES = ("new", "returning", "resurrecting", "dormant")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def statuses(active: list[datetime], created: datetime, interval: str) -> list[tuple[datetime, str]]:
    """(period, status) pairs for one actor's sorted activity periods."""
    out = []
    for j, period in enumerate(active):
        previous = created if j == 0 else active[j - 1]
        if previous == period:
            out.append((period, "new"))
        elif j > 0 and step(previous, interval) == period:
            out.append((period, "returning"))
        else:
            out.append((period, "resurrecting"))
        following = active[j + 1] if j + 1 < len(active) else None
        if following != step(period, interval):
            out.append((step(period, interval), "dormant"))
    return out


@register(KIND)
class LifecycleRunner:
    def __init__(self, *, team: Any, query: dict[str, Any]) -> None:
        self.query = query
        self.spec = lifecycle_spec(query)
        self.ctx = TeamContext.from_team(team, datetime.now(UTC))
        self.actions = load_actions(team, self.spec.series)

    def calculate(self) -> dict[str, Any]:
        window = window_for(self.spec, self.ctx, kind=KIND)
        buckets = window.buckets
        interval = self.spec.interval
        first, last = buckets[0], buckets[-1]
        filters = [self.spec.properties]
        if self.spec.filter_test_accounts:
            filters.append(self.ctx.test_account_filters)
        series = self.spec.series[0]
        req = SeriesRequest(
            series=series,
            team=self.ctx,
            interval=interval,
            date_from=localize(first, window.tz),
            date_to=localize(step(last, interval), window.tz) - timedelta(microseconds=1),
            filters=tuple(filters),
            actions=self.actions,
        )
        sql, params = lifecycle_query(req, localize(step(first, interval, -1), window.tz))
        index = {b: i for i, b in enumerate(buckets)}
        counts = {status: [set() for _ in buckets] for status in STATUSES}
        for actor, active, created in run_sql(sql, params, kind=KIND).rows:
            for period, status in statuses([_parse(a) for a in active], _parse(created), interval):
                if period in index:
                    counts[status][index[period]].add(actor)
        return {
            "results": [self._entry(series, status, counts[status], window) for status in STATUSES],
            "timings": [],
        }

    def _entry(self, series, status: str, actors: list[set], window) -> dict[str, Any]:
        sign = -1 if status == "dormant" else 1
        data = [float(sign * len(a)) for a in actors]
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
