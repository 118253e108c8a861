"""Staleness, cache ages and the cache key: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from query_engine.refresh import staleness as cache
from query_engine.refresh.cache import query_cache_key
from query_engine.refresh.staleness import Freshness, ThresholdMode
from query_engine.team import TeamContext

REFRESHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("interval", "default", "lazy"),
    [
        ("minute", timedelta(minutes=5), timedelta(minutes=15)),
        ("hour", timedelta(hours=1), timedelta(hours=2)),
        ("day", timedelta(hours=6), timedelta(hours=12)),
        ("week", timedelta(days=1), timedelta(days=1)),
        ("month", timedelta(days=2), timedelta(days=2)),
        (None, timedelta(hours=6), timedelta(hours=12)),
    ],
)
def test_stale_exactly_after_the_interval_threshold(interval, default, lazy):
    fresh = Freshness(last_refresh=REFRESHED, interval=interval, date_to=None)
    # Stale means now > last_refresh + threshold: at the threshold it is still fresh.
    assert not cache.is_stale(fresh, now=REFRESHED + default)
    assert cache.is_stale(fresh, now=REFRESHED + default + timedelta(seconds=1))
    assert not cache.is_stale(fresh, now=REFRESHED + lazy, mode=ThresholdMode.LAZY)
    assert cache.is_stale(fresh, now=REFRESHED + lazy + timedelta(seconds=1), mode=ThresholdMode.LAZY)


def test_a_closed_range_never_goes_stale():
    # The range ended a day before it was computed: later events cannot change it.
    closed = Freshness(last_refresh=REFRESHED, interval="day", date_to=REFRESHED - timedelta(days=1))
    assert not cache.is_stale(closed, now=REFRESHED + timedelta(days=365))
    # Ending 5 s before the computation is within the 10 s margin: still an open range.
    open_ = Freshness(last_refresh=REFRESHED, interval="day", date_to=REFRESHED - timedelta(seconds=5))
    assert cache.is_stale(open_, now=REFRESHED + timedelta(hours=7))


def test_intervals_come_from_the_query():
    assert cache.query_interval({"kind": "TrendsQuery"}) == "day"
    assert cache.query_interval({"kind": "TrendsQuery", "interval": "hour"}) == "hour"
    wrapped = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "interval": "month"}}
    assert cache.query_interval(wrapped) == "month"
    # No date range at all: judged by the minute threshold.
    assert cache.query_interval({"kind": "HogQLQuery", "query": "select 1"}) == "minute"
    assert cache.query_interval({"kind": "RetentionQuery", "retentionFilter": {"period": "Week"}}) == "week"


def test_cache_target_age_is_last_refresh_plus_the_default_threshold():
    assert cache.cache_target_age({"kind": "TrendsQuery"}, REFRESHED) == REFRESHED + timedelta(hours=6)
    assert cache.cache_target_age(
        {"kind": "TrendsQuery", "interval": "hour"}, REFRESHED
    ) == REFRESHED + timedelta(hours=1)
    assert cache.cache_target_age({"kind": "HogQLQuery"}, REFRESHED) == REFRESHED + timedelta(minutes=5)


def test_next_allowed_client_refresh_frequency():
    trends = {"kind": "TrendsQuery", "dateRange": {"date_from": "-30d"}}
    assert cache.refresh_frequency(trends, {}) == timedelta(minutes=15)
    assert cache.refresh_frequency({**trends, "interval": "hour"}, {}) == timedelta(minutes=3)
    # -7d covers today and the 7 days before: 8 calendar days, so the long frequency.
    week = {"kind": "TrendsQuery", "dateRange": {"date_from": "-7d"}}
    assert cache.refresh_frequency(week, {}) == timedelta(minutes=15)
    assert cache.refresh_frequency(
        {"kind": "TrendsQuery", "dateRange": {"date_from": "-6d"}}, {}
    ) == timedelta(minutes=3)
    # The runner's resolved range wins: 2024-05-01 00:00 → 2024-05-03 23:59:59 is 3 days.
    resolved = {
        "resolved_date_range": {
            "date_from": "2024-05-01T00:00:00+00:00",
            "date_to": "2024-05-03T23:59:59+00:00",
        }
    }
    assert cache.refresh_frequency(week, resolved) == timedelta(minutes=3)
    assert cache.refresh_frequency({"kind": "HogQLQuery"}, {}) == timedelta(minutes=1)


def _team(**fields):
    return TeamContext(**{"id": 7, **fields})


def test_cache_key_ignores_tags_nulls_and_the_viz_wrapper_but_not_what_changes_results():
    query = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    key = query_cache_key(team=_team(), query=query)
    assert key.startswith("cache_") and len(key) == len("cache_") + 32
    assert (
        query_cache_key(team=_team(), query={**query, "tags": {"productKey": "x"}, "breakdownFilter": None})
        == key
    )
    assert query_cache_key(team=_team(), query={"kind": "InsightVizNode", "source": query}) == key
    assert query_cache_key(team=_team(timezone="Europe/Paris"), query=query) != key
    assert query_cache_key(team=_team(week_start_day=1), query=query) != key
    assert query_cache_key(team=_team(aggregate_by_distinct_id=True), query=query) != key
    assert query_cache_key(team=_team(id=8), query=query) != key
    assert query_cache_key(team=_team(test_account_filters=[{"key": "email"}]), query=query) != key
    assert query_cache_key(team=_team(path_cleaning_filters=[{"regex": "x"}]), query=query) != key
    assert query_cache_key(team=_team(), query={**query, "interval": "week"}) != key
