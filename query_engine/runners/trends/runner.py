"""TrendsQuery runner: one SQL query per series and compare period, then
breakdown limits, display transforms and formulas in Python.

Guarantees: each series without breakdown yields exactly one entry with every
bucket present (zeros filled); entries follow engine.md §2.3 / §2.4.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from query_engine.actions import load_actions
from query_engine.cohorts.source import cohort_ref
from query_engine.dates import DateWindow, localize
from query_engine.limits import check_result_cells
from query_engine.model import BREAKDOWN_OTHER, PropertyFilter, PropertyGroup, Series
from query_engine.nodes import ALL_USERS, PROPERTY_MATHS
from query_engine.runners.base import Staleness
from query_engine.runners.common import (
    action_dict,
    bucket_index,
    previous_window,
    run_sql,
    series_label,
    window_for,
)
from query_engine.runners.trends import post
from query_engine.runners.trends.spec import TOTAL_VALUE_DISPLAYS, TrendsSpec, trends_spec
from query_engine.runners.trends.sql import ACTIVE_WINDOW_DAYS, histogram_edges_query, series_query
from query_engine.sql.series import SeriesRequest
from query_engine.team import TeamContext

COHORT_ALL_LABEL = "all users"


def in_cohort(request: SeriesRequest, value: Any) -> SeriesRequest:
    """The request restricted to one value of a cohort breakdown (``all``: everyone)."""
    request = replace(request, breakdown=None)
    if value == ALL_USERS:
        return request
    condition = PropertyGroup("AND", (PropertyFilter(key="id", value=value, operator="in", type="cohort"),))
    return replace(request, filters=(*request.filters, condition))


class TrendsRunner:
    kind = "TrendsQuery"
    timeout_key = "TrendsQuery"
    staleness = Staleness.INTERVAL
    legacy_insight: str | None = "TRENDS"
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.query = query
        self.spec: TrendsSpec = trends_spec(query)
        self.ctx = team.started()
        self.actions = load_actions(team, self.spec.series)
        # Cohort breakdown: the cohort names (labels), each id checked to be the project's own.
        self.cohort_names: dict[Any, str] = {}
        if self.spec.breakdown is not None and self.spec.breakdown.type == "cohort":
            self.cohort_names = {
                value: COHORT_ALL_LABEL
                if value == ALL_USERS
                else cohort_ref(team.id, value, "breakdownFilter__breakdown").name
                for value in self.spec.breakdown.cohorts()
            }
        self.total_value = self.spec.display in TOTAL_VALUE_DISPLAYS
        self.formula_trees = [
            post.parse_formula(f.formula, len(self.spec.series)) for f in self.spec.formulas
        ]
        self.capped = False
        self.period: DateWindow | None = None  # the compare period being computed

    def calculate(self) -> dict[str, Any]:
        window = window_for(
            self.spec, self.ctx, timeout_key=self.timeout_key, exact=self.spec.display == "BoldNumber"
        )
        periods: list[tuple[DateWindow, str | None]] = [(window, "current" if self.spec.compare else None)]
        if self.spec.compare and self.spec.date_range.date_from != "all":
            periods.append((previous_window(self.spec, window, self.ctx), "previous"))
        self._check_size(window, len(periods))
        results: list[dict[str, Any]] = []
        for period, compare_label in periods:
            self.period = period
            entries = [self._series_entries(s, period) for s in self.spec.series]
            if self.formula_trees:
                results += self._formula_entries(entries, period)
            else:
                results += [entry for group in entries for entry in group]
            for entry in results:
                if compare_label and "compare_label" not in entry:
                    entry.update({"compare": True, "compare_label": compare_label})
        return {
            "results": results,
            "hasMore": self.capped,
            "timings": [],
            "resolved_date_range": {
                "date_from": window.date_from.isoformat(),
                "date_to": window.date_to.isoformat(),
            },
        }

    def _check_size(self, window: DateWindow, periods: int) -> None:
        """Refuse before any SQL runs when the answer would be too large to compute or send."""
        breakdown = self.spec.breakdown
        values = 1
        if breakdown is not None and breakdown.type == "cohort":
            values = len(breakdown.cohorts())  # one entry per cohort, no 'other'
        elif breakdown is not None:
            values = breakdown.histogram_bin_count or breakdown.limit
            values += 0 if breakdown.hide_other else 1  # the 'other' bucket
        buckets = 1 if self.total_value else len(window.buckets)
        cells = len(self.spec.series) * values * buckets * periods
        check_result_cells(
            cells,
            attr="breakdownFilter__breakdown_limit" if values > 1 else "series",
            what=f"{len(self.spec.series)} series x {values} breakdown values x {buckets} intervals"
            + (" x 2 periods" if periods > 1 else ""),
        )

    # --- one series -------------------------------------------------------------

    def _request(self, series: Series, window: DateWindow) -> SeriesRequest:
        date_from, date_to = window.filter_from, window.date_to
        if self.total_value and series.math in ACTIVE_WINDOW_DAYS:
            date_from = date_to - timedelta(days=ACTIVE_WINDOW_DAYS[series.math])
            series = replace(series, math="dau")
        filters = self.ctx.property_groups(self.spec.properties, self.spec.filter_test_accounts)
        return SeriesRequest(
            series=series,
            team=self.ctx,
            interval=self.spec.interval,
            date_from=date_from,
            date_to=date_to,
            buckets_utc=tuple(localize(b, window.tz) for b in window.buckets),
            filters=tuple(filters),
            breakdown=self.spec.breakdown,
            total_value=self.total_value,
            cumulative=self.spec.display == "ActionsLineGraphCumulative",
            actions=self.actions,
        )

    def _effective(self, series: Series) -> Series:
        """WAU/MAU at or above their window size are plain DAU (engine.md §2.2)."""
        interval = self.spec.interval
        if series.math == "weekly_active" and interval in ("week", "month"):
            return replace(series, math="dau")
        if series.math == "monthly_active" and interval == "month":
            return replace(series, math="dau")
        return series

    def _series_entries(self, series: Series, window: DateWindow) -> list[dict[str, Any]]:
        request = self._request(self._effective(series), window)
        if self.cohort_names:
            # One run per cohort, as PostHog does; cohort breakdowns have no "other".
            return [
                self._one_entry(series, window, in_cohort(request, value), breakdown_value=value)
                for value in self.cohort_names
            ]
        if request.breakdown is not None and request.breakdown.histogram_bin_count is not None:
            edges_sql, edges_params = histogram_edges_query(request)
            edges = run_sql(edges_sql, edges_params, timeout_key=self.timeout_key).rows
            # No numeric value in range: quantiles are NULL, and there is nothing to bin.
            values = edges[0][0] if edges else []
            request = replace(request, histogram_edges=tuple(float(x) for x in values if x is not None))
        sql, params = series_query(request)
        rows = run_sql(sql, params, timeout_key=self.timeout_key).rows
        as_float = series.math in PROPERTY_MATHS or series.math.endswith("_count_per_actor")
        if self.total_value:
            return self._total_entries(series, window, rows, as_float)
        index = bucket_index(window)
        width = len(index)
        by_value: dict[str, list[float]] = {}
        for row in rows:
            bucket, value = row[0], row[-1]
            key = self._key(row[1]) if self.spec.breakdown else ""
            data = by_value.setdefault(key, [0] * width)
            if bucket in index:
                data[index[bucket]] = float(value) if as_float else value
        if self.spec.breakdown is None:
            return [self._entry(series, window, by_value.get("", [0.0 if as_float else 0] * width))]
        cumulated = self.spec.display == "ActionsLineGraphCumulative"
        if cumulated:
            # PostHog ranks (and merges into 'other') the cumulative series, not the daily
            # counts: a value seen early outranks one seen late with the same total.
            by_value = {key: post.cumulative(data) for key, data in by_value.items()}
        limited, capped = self._limit(by_value)
        return [
            self._entry(series, window, data, breakdown_value=self._value(v), cumulated=cumulated)
            for v, data in limited
        ]

    def _one_entry(
        self, series: Series, window: DateWindow, request: SeriesRequest, breakdown_value: Any
    ) -> dict[str, Any]:
        """The entry of a request without breakdown, shown as ``breakdown_value``."""
        sql, params = series_query(request)
        rows = run_sql(sql, params, timeout_key=self.timeout_key).rows
        as_float = series.math in PROPERTY_MATHS or series.math.endswith("_count_per_actor")
        zero = 0.0 if as_float else 0
        if self.total_value:
            value = rows[0][-1] if rows else zero
            return self._total_entry(series, float(value) if as_float else value, breakdown_value)
        index = bucket_index(window)
        data: list[Any] = [zero] * len(index)
        for row in rows:
            if row[0] in index:
                data[index[row[0]]] = float(row[-1]) if as_float else row[-1]
        return self._entry(series, window, data, breakdown_value=breakdown_value)

    def _total_entries(
        self, series: Series, window: DateWindow, rows: list, as_float: bool
    ) -> list[dict[str, Any]]:
        if self.spec.breakdown is None:
            value = rows[0][-1] if rows else 0
            return [self._total_entry(series, float(value) if as_float else value)]
        by_value = {self._key(row[1]): [row[-1]] for row in rows}
        limited, capped = self._limit(by_value)
        return [self._total_entry(series, data[0], breakdown_value=self._value(v)) for v, data in limited]

    # --- breakdown values -------------------------------------------------------

    def _key(self, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    def _value(self, key: Any) -> Any:
        return list(key) if isinstance(key, tuple) else key

    def _limit(self, by_value: dict[Any, list]) -> tuple[list[tuple[Any, list]], bool]:
        breakdown = self.spec.breakdown
        assert breakdown is not None
        other = tuple([BREAKDOWN_OTHER] * len(breakdown.parts())) if breakdown.multi else BREAKDOWN_OTHER
        limited, capped = post.limit_breakdowns(
            by_value, limit=breakdown.limit, hide_other=breakdown.hide_other, other=other
        )
        self.capped = self.capped or capped
        return limited, capped

    def _label(self, series: Series, breakdown_value: Any) -> str:
        base = series_label(series, self.actions)
        if breakdown_value is None:
            return base
        if self.cohort_names:
            shown = self.cohort_names.get(breakdown_value, str(breakdown_value))
        elif isinstance(breakdown_value, list):
            shown = "::".join(breakdown_value)
        else:
            shown = str(breakdown_value)
        if len(self.spec.series) == 1:
            return shown
        return f"{base} - {shown}"

    def _base(self, series: Series, breakdown_value: Any) -> dict[str, Any]:
        raw_series = (self.query.get("series") or [{}])[series.order]
        entry: dict[str, Any] = {
            "label": self._label(series, breakdown_value),
            "filter": self._filter_echo(),
            "action": action_dict(series, self.actions, raw_series if isinstance(raw_series, dict) else {}),
            "order": series.order,
        }
        if breakdown_value is not None:
            entry["breakdown_value"] = breakdown_value
        return entry

    def _entry(
        self,
        series: Series,
        window: DateWindow,
        data: list,
        breakdown_value: Any = None,
        cumulated: bool = False,
    ) -> dict[str, Any]:
        if self.spec.display == "ActionsLineGraphCumulative" and not cumulated:
            data = post.cumulative(data)
        if self.spec.smoothing_intervals > 1:
            data = post.smooth(data, self.spec.smoothing_intervals)
        entry = self._base(series, breakdown_value)
        count = data[-1] if self.spec.display == "ActionsLineGraphCumulative" and data else sum(data)
        entry["action"]["days"] = [localize(b, window.tz).isoformat() for b in window.buckets]
        entry.update({"data": data, "labels": window.labels(), "days": window.days(), "count": float(count)})
        return entry

    def _total_entry(self, series: Series, value: Any, breakdown_value: Any = None) -> dict[str, Any]:
        entry = self._base(series, breakdown_value)
        entry.update({"data": [], "days": [], "count": 0, "aggregated_value": value})
        return entry

    def _filter_echo(self) -> dict[str, Any]:
        spec = self.spec
        assert self.period is not None  # set by calculate() before any entry is built
        echo: dict[str, Any] = {
            "insight": "TRENDS",
            "interval": spec.interval,
            "display": spec.display,
            "date_from": self.period.date_from.isoformat(),
            "date_to": self.period.date_to.isoformat(),
            "filter_test_accounts": spec.filter_test_accounts,
            "entity_type": "events",
            "properties": self.query.get("properties"),
        }
        if spec.breakdown:
            if spec.breakdown.multi:
                echo["breakdowns"] = [{"property": p, "type": t} for p, t, _ in spec.breakdown.parts()]
            else:
                echo.update({"breakdown": spec.breakdown.property, "breakdown_type": spec.breakdown.type})
                echo["breakdown_group_type_index"] = spec.breakdown.group_type_index
        if spec.formulas:
            echo["formula"] = spec.formulas[0].formula
        return {k: v for k, v in echo.items() if v is not None}

    # --- formulas ---------------------------------------------------------------

    def _formula_entries(
        self, entries: list[list[dict[str, Any]]], window: DateWindow
    ) -> list[dict[str, Any]]:
        keys: list[Any] = []
        for group in entries:
            for entry in group:
                if entry.get("breakdown_value") not in keys:
                    keys.append(entry.get("breakdown_value"))
        out = []
        for f_index, (formula, tree) in enumerate(zip(self.spec.formulas, self.formula_trees, strict=True)):
            for key in keys:
                columns = {
                    letter: self._column(group, key)
                    for letter, group in zip(post.letters(len(entries)), entries, strict=True)
                }
                out.append(self._formula_entry(formula, f_index, tree, columns, key, window))
        if self.spec.breakdown:
            out.sort(key=post.breakdown_sort_key)
        return out

    def _column(self, group: list[dict[str, Any]], key: Any) -> list[float]:
        for entry in group:
            if entry.get("breakdown_value") == key:
                return [entry["aggregated_value"]] if self.total_value else entry["data"]
        width = 1 if self.total_value else len(group[0]["data"]) if group else 0
        return [0] * width

    def _formula_entry(self, formula, index, tree, columns, key, window) -> dict[str, Any]:
        width = len(next(iter(columns.values())))
        data = post.evaluate(tree, columns, width)
        label = formula.custom_name or f"Formula ({formula.formula})"
        entry: dict[str, Any] = {
            "label": label,
            "action": None,
            "order": index,
            "filter": self._filter_echo(),
        }
        if key is not None:
            entry["breakdown_value"] = key
        if self.total_value:
            entry.update({"data": None, "days": [], "count": 0, "aggregated_value": data[0] if data else 0.0})
        else:
            finite = [x for x in data if x is not None]
            count = data[-1] if self.spec.display == "ActionsLineGraphCumulative" and data else sum(finite)
            entry.update(
                {
                    "data": data,
                    "labels": window.labels(),
                    "days": window.days(),
                    "count": None if count is None else float(count),
                }
            )
        return entry
