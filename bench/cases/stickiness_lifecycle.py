"""Stickiness and lifecycle of pageviews over the last 14 days of the data set."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from bench.cases.trends import OVERRIDES
from bench.framework import Case, Dataset

PERSON = "if(o.distinct_id != '', o.override_person_id, e.person_id)"


def _days(ds: Dataset) -> tuple[datetime, datetime]:
    return datetime.combine(ds.last_day - timedelta(days=13), time.min), datetime.combine(
        ds.last_day, time.max
    )


def _params(ds: Dataset) -> dict[str, Any]:
    start, end = _days(ds)
    return {"team": ds.team_id, "start": start, "end": end}


def _request(kind: str):
    def build(ds: Dataset) -> tuple[str, str, dict[str, Any]]:
        start, end = _days(ds)
        node = {
            "kind": kind,
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "dateRange": {"date_from": start.date().isoformat(), "date_to": end.date().isoformat()},
        }
        return "POST", "query/", {"query": node, "refresh": "force_blocking"}

    return build


STICKINESS_SQL = (
    "SELECT n, count() FROM ("
    f"SELECT {PERSON} AS person, uniqExact(toStartOfDay(e.timestamp)) AS n FROM events AS e {OVERRIDES} "
    "WHERE e.team_id = {team:Int64} AND e.event = '$pageview' "
    "AND e.timestamp >= {start:DateTime64(6)} AND e.timestamp <= {end:DateTime64(6)} GROUP BY person"
    ") GROUP BY n"
)

LIFECYCLE_SQL = (
    "SELECT toDate(p.1) AS day, p.2 AS status, count() FROM ("
    f"SELECT {PERSON} AS person, arraySort(groupUniqArray(toStartOfDay(e.timestamp))) AS days, "
    "toStartOfDay(min(e.person_created_at)) AS created "
    f"FROM events AS e {OVERRIDES} "
    "WHERE e.team_id = {team:Int64} AND e.event = '$pageview' "
    "AND e.timestamp >= {start:DateTime64(6)} - INTERVAL 1 DAY AND e.timestamp <= {end:DateTime64(6)} "
    "AND JSONExtractRaw(e.properties, '$process_person_profile') != 'false' GROUP BY person"
    ") ARRAY JOIN arrayConcat("
    "arrayMap((d, i) -> (d, multiIf(if(i = 1, created, days[i - 1]) = d, 'new', "
    "i > 1 AND days[i - 1] + INTERVAL 1 DAY = d, 'returning', 'resurrecting')), days, arrayEnumerate(days)), "
    "arrayFilter(x -> x.2 != '', arrayMap((d, i) -> if("
    "i < length(days) AND days[i + 1] = d + INTERVAL 1 DAY, (d, ''), (d + INTERVAL 1 DAY, 'dormant')), "
    "days, arrayEnumerate(days)))) AS p "
    "WHERE p.1 >= {start:DateTime64(6)} AND p.1 <= {end:DateTime64(6)} GROUP BY day, status"
)


def _sticky_api(body: dict[str, Any]) -> dict[int, int]:
    [result] = body["results"]
    return {k: v for k, v in zip(result["days"], result["data"], strict=True) if v}


def _lifecycle_api(body: dict[str, Any]) -> dict[tuple[str, str], float]:
    return {
        (day, r["status"]): abs(v)
        for r in body["results"]
        for day, v in zip(r["days"], r["data"], strict=True)
        if v
    }


CASES = [
    Case(
        name="stickiness: pageview days per person, 14 days",
        request=_request("StickinessQuery"),
        sql=lambda ds: (STICKINESS_SQL, _params(ds)),
        api_answer=_sticky_api,
        sql_answer=lambda rows: {int(n): c for n, c in rows},
    ),
    Case(
        name="lifecycle: pageviews by day, 14 days",
        request=_request("LifecycleQuery"),
        sql=lambda ds: (LIFECYCLE_SQL, _params(ds)),
        api_answer=_lifecycle_api,
        sql_answer=lambda rows: {(str(day), status): float(c) for day, status, c in rows},
    ),
]
