"""``InsightActorsQueryOptions``: which points a persons list can switch between for an
``InsightActorsQuery`` (days, series, breakdown values, compare periods, lifecycle statuses)."""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.model import BREAKDOWN_NULL, BREAKDOWN_OTHER
from query_engine.nodes import unwrap
from query_engine.runners.base import Staleness
from query_engine.runners.common import series_label, window_for
from query_engine.runners.lifecycle.runner import LifecycleRunner
from query_engine.runners.trends.runner import TrendsRunner
from query_engine.team import TeamContext

KEYS = ("day", "status", "interval", "breakdown", "breakdowns", "series", "compare")
STATUSES = (
    ("Dormant", "dormant"),
    ("New", "new"),
    ("Resurrecting", "resurrecting"),
    ("Returning", "returning"),
)
BREAKDOWN_LABELS = {BREAKDOWN_OTHER: "Other", BREAKDOWN_NULL: "None"}


class InsightActorsQueryOptionsRunner:
    kind = "InsightActorsQueryOptions"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = False

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.team = team.started()
        source = query.get("source")
        if not isinstance(source, dict) or source.get("kind") != "InsightActorsQuery":
            raise QueryError(
                "InsightActorsQueryOptions needs an InsightActorsQuery as source.", attr="source"
            )
        insight = source.get("source")
        if not isinstance(insight, dict):
            raise QueryError("InsightActorsQuery needs an insight query as source.", attr="source__source")
        self.insight = unwrap(insight)

    def calculate(self) -> dict[str, Any]:
        options: dict[str, Any] = dict.fromkeys(KEYS)
        kind = self.insight.get("kind")
        if kind == "TrendsQuery":
            options.update(self._trends())
        elif kind == "LifecycleQuery":
            runner = LifecycleRunner(team=self.team, query=self.insight)
            window = window_for(runner.spec, runner.ctx, timeout_key=runner.timeout_key)
            options["day"] = _days(window)
            options["status"] = [{"label": label, "value": value} for label, value in STATUSES]
        return options

    def _trends(self) -> dict[str, Any]:
        runner = TrendsRunner(team=self.team, query=self.insight)
        spec = runner.spec
        found: dict[str, Any] = {
            "series": [
                {"label": series_label(s, runner.actions), "value": i} for i, s in enumerate(spec.series)
            ]
        }
        if not runner.total_value:
            found["day"] = _days(
                window_for(
                    spec, runner.ctx, timeout_key=runner.timeout_key, exact=spec.display == "BoldNumber"
                )
            )
        if spec.compare:
            found["compare"] = [
                {"label": "Current", "value": "current"},
                {"label": "Previous", "value": "previous"},
            ]
        if spec.breakdown is not None:
            values: list[Any] = []
            for entry in runner.calculate()["results"]:
                value = entry.get("breakdown_value")
                if value is not None and value not in values:
                    values.append(value)
            key = "breakdowns" if spec.breakdown.multi else "breakdown"
            found[key] = [{"label": _label(v), "value": v} for v in values]
        return found


def _label(value: Any) -> str:
    if isinstance(value, list):
        return "::".join(_label(v) for v in value)
    return BREAKDOWN_LABELS.get(str(value), str(value))


def _days(window: Any) -> list[dict[str, str]]:
    return [{"label": label, "value": day} for label, day in zip(window.labels(), window.days(), strict=True)]
