"""Typed request bodies for the OpenAPI schema (documentation only: the views read ``request.data``).

Generated clients get named, typed properties for the legacy compute routes' JSON bodies
and for query nodes instead of a bare object. Extra keys stay allowed, as the views accept them.
"""

from __future__ import annotations

from rest_framework import serializers

from query_engine.nodes import WRAPPER_KINDS
from query_engine.runners.registry import insight_query_kinds

QUERY_KINDS = sorted(insight_query_kinds() | WRAPPER_KINDS | {"FunnelsActorsQuery", "HogQLQuery"})


def _entities(text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.DictField(), required=False, help_text=text)


def _text(text: str) -> serializers.CharField:
    return serializers.CharField(required=False, help_text=text)


def _flag(text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, help_text=text)


def _number(text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, help_text=text)


def _any(text: str) -> serializers.JSONField:
    return serializers.JSONField(required=False, help_text=text)


class LegacyFiltersRequestSerializer(serializers.Serializer):
    """The keys every legacy filter dict may carry."""

    date_from = _text("Relative (-7d, -24h, mStart…) or absolute; default -7d.")
    date_to = _text("Default now.")
    properties = _any("Property filters: a list, or a property group object.")
    filter_test_accounts = _flag("Apply the project's test-account filters.")
    refresh = _flag("Recompute instead of serving a fresh cached result.")
    breakdown = _any("Property (or list of properties / cohort ids) to break down by.")
    breakdown_type = _text("event, person, cohort, group, session or hogql.")


class LegacyTrendRequestSerializer(LegacyFiltersRequestSerializer):
    events = _entities('Series, e.g. [{"id": "$pageview", "math": "dau"}].')
    actions = _entities("Action series.")
    insight = serializers.ChoiceField(
        choices=["TRENDS", "STICKINESS", "LIFECYCLE"], required=False, help_text="Default TRENDS."
    )
    interval = serializers.ChoiceField(
        choices=["minute", "hour", "day", "week", "month"], required=False, help_text="Default day."
    )
    display = _text("ActionsLineGraph (default), ActionsBarValue, BoldNumber, …")
    formula = _text("Formula over series letters, e.g. A / B.")
    compare = _flag("Add the previous period.")
    breakdown_limit = _number("Breakdown values kept before the rest become 'other'.")


class LegacyFunnelRequestSerializer(LegacyFiltersRequestSerializer):
    events = _entities("Steps, ordered by their order key.")
    actions = _entities("Action steps.")
    exclusions = _entities("Excluded events with funnel_from_step / funnel_to_step.")
    funnel_order_type = serializers.ChoiceField(choices=["ordered", "strict", "unordered"], required=False)
    funnel_viz_type = serializers.ChoiceField(choices=["steps", "trends", "time_to_convert"], required=False)
    funnel_window_interval = _number("Conversion window length (default 14).")
    funnel_window_interval_type = _text("second … month (default day).")
    breakdown_limit = _number("Breakdown values kept (default 10).")


class LegacyCorrelationRequestSerializer(LegacyFunnelRequestSerializer):
    funnel_correlation_type = serializers.ChoiceField(
        choices=["events", "properties", "event_with_properties"], required=False
    )
    funnel_correlation_names = serializers.ListField(child=serializers.CharField(), required=False)
    funnel_correlation_exclude_names = serializers.ListField(child=serializers.CharField(), required=False)
    funnel_correlation_event_names = serializers.ListField(child=serializers.CharField(), required=False)


class LegacyRetentionRequestSerializer(LegacyFiltersRequestSerializer):
    target_entity = serializers.DictField(required=False, help_text='{"id", "type": "events"|"actions"}.')
    returning_entity = serializers.DictField(required=False, help_text="The entity counted as a return.")
    retention_type = _text("retention_recurring (default), retention_first_time, …")
    period = serializers.ChoiceField(choices=["Hour", "Day", "Week", "Month"], required=False)
    total_intervals = _number("Number of cohorts (default 11).")


class LegacyPathsRequestSerializer(LegacyFiltersRequestSerializer):
    include_event_types = serializers.ListField(child=serializers.CharField(), required=False)
    start_point = _text("Only sessions from this item on.")
    end_point = _text("Only sessions up to this item.")
    step_limit = _number("Steps per path (default 5).")
    edge_limit = _number("Edges returned (default 50).")
    min_edge_weight = _number("Drop edges seen fewer times.")
    max_edge_weight = _number("Drop edges seen more times.")
    exclude_events = serializers.ListField(child=serializers.CharField(), required=False)
    path_groupings = serializers.ListField(child=serializers.CharField(), required=False)


class QueryNodeSerializer(serializers.Serializer):
    """A query node; the fields below are those of the insight kinds (camelCase, as PostHog's)."""

    kind = serializers.ChoiceField(choices=QUERY_KINDS)
    series = _entities("EventsNode / ActionsNode objects (trends, funnels, stickiness, lifecycle).")
    dateRange = serializers.DictField(required=False, help_text='{"date_from", "date_to"}.')  # noqa: N815
    interval = serializers.ChoiceField(choices=["minute", "hour", "day", "week", "month"], required=False)
    properties = _any("Property filters: a list, or a property group object.")
    filterTestAccounts = _flag("Apply the project's test-account filters.")  # noqa: N815
    breakdownFilter = serializers.DictField(required=False)  # noqa: N815
    compareFilter = serializers.DictField(required=False)  # noqa: N815
    trendsFilter = serializers.DictField(required=False)  # noqa: N815
    funnelsFilter = serializers.DictField(required=False)  # noqa: N815
    retentionFilter = serializers.DictField(required=False)  # noqa: N815
    pathsFilter = serializers.DictField(required=False)  # noqa: N815
    stickinessFilter = serializers.DictField(required=False)  # noqa: N815
    lifecycleFilter = serializers.DictField(required=False)  # noqa: N815
    source = serializers.DictField(required=False, help_text="The inner query of a wrapper node.")  # type: ignore[assignment]  # PostHog's field name shadows Field's
