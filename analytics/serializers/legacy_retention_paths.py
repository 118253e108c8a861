"""OpenAPI shapes of the legacy retention and paths routes (documentation only)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class TimingSerializer(serializers.Serializer):
    k = serializers.CharField()
    t = serializers.FloatField()


class LegacyEnvelopeSerializer(serializers.Serializer):
    """The envelope every legacy compute route answers with (api.md §10)."""

    timezone = serializers.CharField()
    last_refresh = serializers.DateTimeField(allow_null=True)
    is_cached = serializers.BooleanField()
    timings = TimingSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class RetentionValueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    people = serializers.ListField(child=serializers.JSONField(), help_text="Always empty.")


class RetentionRowSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='"Day 0", "Week 3" …')  # type: ignore[assignment]  # PostHog's field name shadows Field's
    date = serializers.DateTimeField(help_text="Start of the cohort period, project timezone.")
    values = RetentionValueSerializer(many=True, help_text="Row i has total_intervals − i values.")
    breakdown_value = serializers.CharField(required=False)
    people_url = serializers.CharField(allow_null=True)


class RetentionResponseSerializer(LegacyEnvelopeSerializer):
    result = RetentionRowSerializer(many=True)


class PathEdgeSerializer(serializers.Serializer):
    source = serializers.CharField(help_text='"<step>_<item>", e.g. "1_/pricing"')  # type: ignore[assignment]  # PostHog's field name shadows Field's
    target = serializers.CharField()
    value = serializers.IntegerField(help_text="Sessions with this transition.")
    average_conversion_time = serializers.FloatField(help_text="Milliseconds.")


class PathsResponseSerializer(LegacyEnvelopeSerializer):
    result = PathEdgeSerializer(many=True)


def _params(names: dict[str, str]) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=text) for name, text in names.items()]


COMMON = {
    "properties": "JSON list of property filters applied to every event.",
    "filter_test_accounts": "true to apply the project's test-account filters.",
    "refresh": "true to recompute instead of serving a fresh cached result.",
}
RETENTION_PARAMS = _params(
    {
        "target_entity": 'JSON {"id", "type": "events"|"actions", "properties"?}; default $pageview.',
        "returning_entity": "JSON entity counted as a return; default $pageview.",
        "retention_type": (
            "retention_recurring (default), retention_first_time or retention_first_ever_occurrence."
        ),
        "period": "Hour, Day (default), Week or Month.",
        "total_intervals": "Number of cohorts (default 11).",
        "date_to": "Last cohort's period (default now).",
        "breakdown": "Property to break down by; breakdown_type event or person.",
        **COMMON,
    }
)
PATHS_PARAMS = _params(
    {
        "include_event_types": 'JSON list of "$pageview", "$screen", "custom_event" (default: all events).',
        "start_point": "Only sessions from this item on.",
        "end_point": "Only sessions up to this item.",
        "step_limit": "Steps per path (default 5).",
        "edge_limit": "Edges returned (default 50).",
        "min_edge_weight": "Drop edges seen fewer times.",
        "max_edge_weight": "Drop edges seen more times.",
        "exclude_events": "JSON list of path items to leave out.",
        "path_groupings": 'JSON list of wildcard patterns ("/blog/*").',
        "path_replacements": "true to apply the project's path cleaning rules.",
        "local_path_cleaning_filters": 'JSON list of {"regex", "alias"}.',
        "date_from": "Default -7d.",
        "date_to": "Default now.",
        **COMMON,
    }
)
