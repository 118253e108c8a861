"""OpenAPI shapes of the trends and funnel legacy routes and of ``/query/`` (documentation only)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from analytics.serializers.legacy_retention_paths import LegacyEnvelopeSerializer
from analytics.serializers.request_schemas import QueryNodeSerializer
from query_engine.refresh.modes import ExecutionMode


class TrendSeriesSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # PostHog's field name shadows Field's
    data = serializers.ListField(  # type: ignore[assignment]  # PostHog's field name shadows Serializer.data
        child=serializers.FloatField(), help_text="One value per bucket."
    )
    labels = serializers.ListField(child=serializers.CharField())
    days = serializers.ListField(child=serializers.CharField())
    count = serializers.FloatField()
    aggregated_value = serializers.FloatField(required=False, help_text="Aggregated displays only.")
    action = serializers.JSONField()
    filter = serializers.JSONField()
    order = serializers.IntegerField()
    breakdown_value = serializers.JSONField(required=False)
    compare = serializers.BooleanField(required=False)
    compare_label = serializers.CharField(required=False)


class TrendResponseSerializer(LegacyEnvelopeSerializer):
    result = TrendSeriesSerializer(many=True)


class FunnelStepSerializer(serializers.Serializer):
    action_id = serializers.CharField()
    name = serializers.CharField()
    custom_name = serializers.CharField(allow_null=True)
    order = serializers.IntegerField()
    count = serializers.IntegerField()
    type = serializers.CharField()
    average_conversion_time = serializers.FloatField(allow_null=True, help_text="Seconds.")
    median_conversion_time = serializers.FloatField(allow_null=True, help_text="Seconds.")
    converted_people_url = serializers.CharField()
    dropped_people_url = serializers.CharField(allow_null=True)
    breakdown_value = serializers.JSONField(required=False)


class FunnelResponseSerializer(LegacyEnvelopeSerializer):
    result = serializers.JSONField(
        help_text="steps: a list of steps (a list of step lists with a breakdown); "
        "trends: conversion per period; time_to_convert: histogram bins."
    )


class CorrelationRowSerializer(serializers.Serializer):
    event = serializers.JSONField(help_text="{event, properties, elements}")
    success_count = serializers.IntegerField()
    failure_count = serializers.IntegerField()
    odds_ratio = serializers.FloatField()
    correlation_type = serializers.CharField()
    success_people_url = serializers.CharField(
        help_text="persons/funnel/correlation/ for the converted actors."
    )
    failure_people_url = serializers.CharField(help_text="persons/funnel/correlation/ for the failed actors.")


class CorrelationResultSerializer(serializers.Serializer):
    events = CorrelationRowSerializer(many=True)
    skewed = serializers.BooleanField()


class CorrelationResponseSerializer(LegacyEnvelopeSerializer):
    result = CorrelationResultSerializer()


class QueryStatusSerializer(serializers.Serializer):
    """One async job (``GET /query/:id/``, and ``query_status`` on results while it runs)."""

    id = serializers.CharField()
    team_id = serializers.IntegerField()
    insight_id = serializers.IntegerField(allow_null=True)
    dashboard_id = serializers.IntegerField(allow_null=True)
    query_async = serializers.BooleanField()
    complete = serializers.BooleanField()
    error = serializers.BooleanField()
    error_message = serializers.CharField(allow_null=True)
    results = serializers.JSONField(allow_null=True)
    start_time = serializers.DateTimeField(allow_null=True)
    pickup_time = serializers.DateTimeField(allow_null=True)
    end_time = serializers.DateTimeField(allow_null=True)
    expiration_time = serializers.DateTimeField(allow_null=True)
    task_id = serializers.CharField(allow_null=True)
    labels = serializers.ListField(child=serializers.CharField(), allow_null=True)
    query_progress = serializers.DictField(allow_null=True, required=False)


class QueryStatusResponseSerializer(serializers.Serializer):
    query_status = QueryStatusSerializer()


class QueryRequestSerializer(serializers.Serializer):
    query = QueryNodeSerializer(help_text="A query node: TrendsQuery, FunnelsQuery, RetentionQuery …")
    refresh = serializers.ChoiceField(choices=[mode.value for mode in ExecutionMode], required=False)
    client_query_id = serializers.CharField(required=False, help_text="Names the async job.")
    name = serializers.CharField(required=False)
    async_ = serializers.BooleanField(required=False, help_text="Deprecated: refresh=async.")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["async"] = fields.pop("async_")
        return fields


class QueryResponseSerializer(serializers.Serializer):
    results = serializers.JSONField(allow_null=True)
    is_cached = serializers.BooleanField()
    last_refresh = serializers.DateTimeField(allow_null=True)
    cache_target_age = serializers.DateTimeField(allow_null=True)
    next_allowed_client_refresh = serializers.DateTimeField(allow_null=True)
    cache_key = serializers.CharField()
    timezone = serializers.CharField(allow_null=True, help_text="Null while an async job has not run.")
    query_status = QueryStatusSerializer(allow_null=True, help_text="The async job, while one runs.")
    hasMore = serializers.BooleanField(required=False)  # noqa: N815 - PostHog's field name
    timings = serializers.ListField(child=serializers.JSONField(), required=False)


def _params(names: dict[str, str]) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=text) for name, text in names.items()]


COMMON = {
    "date_from": "Relative (-7d, -24h, mStart…) or absolute; default -7d.",
    "date_to": "Default now.",
    "properties": "JSON list of property filters applied to every event.",
    "filter_test_accounts": "true to apply the project's test-account filters.",
    "refresh": "true to recompute instead of serving a fresh cached result.",
}
TREND_PARAMS = _params(
    {
        "events": 'JSON list of series, e.g. [{"id": "$pageview", "math": "dau"}].',
        "actions": "JSON list of action series.",
        "insight": "TRENDS (default), STICKINESS or LIFECYCLE.",
        "interval": "minute, hour, day (default), week or month.",
        "breakdown": "Property to break down by; breakdown_type event or person.",
        "breakdown_limit": "Breakdown values kept before the rest become 'other'.",
        "display": "ActionsLineGraph (default), ActionsBarValue, BoldNumber, …",
        "formula": "Formula over series letters, e.g. A / B.",
        "compare": "true to add the previous period.",
        **COMMON,
    }
)
FUNNEL_PARAMS = _params(
    {
        "events": "JSON list of steps.",
        "actions": "JSON list of action steps.",
        "funnel_order_type": "ordered (default), strict or unordered.",
        "funnel_viz_type": "steps (default), trends or time_to_convert.",
        "funnel_window_interval": "Conversion window length (default 14).",
        "funnel_window_interval_type": "second … month (default day).",
        "exclusions": "JSON list of excluded events with funnel_from_step / funnel_to_step.",
        "breakdown": "Property to break down by.",
        "breakdown_limit": "Breakdown values kept (default 10).",
        **COMMON,
    }
)
