"""The registry is the one list of kinds: everything else is read from the runner classes."""

from __future__ import annotations

import pytest
from django.conf import settings

from query_engine.errors import QueryError
from query_engine.legacy.registry import CONVERTERS, filters_to_query
from query_engine.nodes import WRAPPER_KINDS, unwrap
from query_engine.refresh import staleness
from query_engine.runners.base import Staleness
from query_engine.runners.registry import (
    RUNNERS,
    insight_query_kinds,
    legacy_query_kinds,
    runner_for,
)
from query_engine.team import TeamContext


@pytest.mark.parametrize("kind", sorted(RUNNERS))
def test_each_runner_names_its_kind_timeout_and_staleness(kind):
    runner = RUNNERS[kind]
    assert runner.kind == kind
    assert runner.timeout_key in settings.QUERY_TIMEOUT_SECONDS
    assert isinstance(runner.staleness, Staleness)
    # Each runner lives in its own slice: runners/<kind>/runner.py.
    assert runner.__module__.startswith("query_engine.runners.") and runner.__module__.endswith(".runner")


def test_series_kinds_have_their_own_time_limits_and_the_others_the_default():
    keys = {kind: runner.timeout_key for kind, runner in RUNNERS.items()}
    assert keys == {
        "TrendsQuery": "TrendsQuery",
        "StickinessQuery": "StickinessQuery",
        "LifecycleQuery": "LifecycleQuery",
        "FunnelsQuery": "default",
        "FunnelCorrelationQuery": "default",
        "RetentionQuery": "default",
        "PathsQuery": "default",
        "HogQLQuery": "default",
        "HogQLMetadata": "default",
        "EventsQuery": "default",
        "ActorsQuery": "default",
        "GroupsQuery": "default",
        "InsightActorsQueryOptions": "default",
    }


def test_every_legacy_insight_name_has_a_converter_and_back():
    assert set(CONVERTERS) == set(legacy_query_kinds())
    assert legacy_query_kinds()["FUNNELS"] == "FunnelsQuery"
    for name, kind in legacy_query_kinds().items():
        # A bare filter dict of each legacy name converts to a node of the runner's kind.
        node = filters_to_query({"insight": name, "events": [{"id": "$pageview"}]})
        assert node["kind"] == "InsightVizNode" and node["source"]["kind"] == kind


def test_insight_viz_may_wrap_every_insight_kind():
    # Every insight kind; HogQL and events queries are not insights.
    assert insight_query_kinds() == set(RUNNERS) - {
        "HogQLQuery",
        "HogQLMetadata",
        "EventsQuery",
        "ActorsQuery",
        "GroupsQuery",
        "InsightActorsQueryOptions",
    }


@pytest.mark.parametrize("wrapper", sorted(WRAPPER_KINDS))
def test_one_unwrap_for_every_wrapper(wrapper):
    source = {"kind": "TrendsQuery", "interval": "week"}
    assert unwrap({"kind": wrapper, "source": source}) is source
    assert staleness.query_interval({"kind": wrapper, "source": source}) == "week"
    assert unwrap(source) is source


def test_a_wrapper_without_source_is_refused_naming_the_field():
    with pytest.raises(QueryError) as error:
        runner_for(team=TeamContext(id=1), query={"kind": "InsightVizNode"})
    assert error.value.attr == "query__source"
    with pytest.raises(QueryError) as error:
        runner_for(team=TeamContext(id=1), query={"kind": "NoSuchQuery"})
    assert error.value.attr == "query__kind"


def test_staleness_comes_from_the_runner_class():
    # Retention is judged by its period, trends by its interval, correlation as a plain query.
    assert (
        staleness.query_interval({"kind": "RetentionQuery", "retentionFilter": {"period": "Month"}})
        == "month"
    )
    assert staleness.query_interval({"kind": "PathsQuery"}) == "day"
    assert staleness.query_interval({"kind": "FunnelCorrelationQuery", "source": {}}) == "minute"
