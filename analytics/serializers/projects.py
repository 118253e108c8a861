"""A project as seen through its primary team, and the validation of its settings.

Settings that change answers (timezone, week start, test-account filters, path
cleaning) are validated here with PostHog's messages; the engine reads them through
``TeamContext``, whose fields are all in the result cache key, so a change is never
answered from a result computed under the old settings.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from rest_framework import serializers

from query_engine.errors import QueryError
from query_engine.nodes import parse_properties
from tenancy.models import Team

INVALID_FILTERS = "Must provide an array of valid property filters."
CORRELATION_KEYS = ("excluded_person_property_names", "excluded_event_property_names", "excluded_event_names")


@cache
def timezone_choices() -> frozenset[str]:
    return frozenset(available_timezones() - {"localtime"})


def _string_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise serializers.ValidationError(f"Must provide a list of {what}.")
    return value


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        raise serializers.ValidationError(f"Invalid regular expression: {pattern[:200]}") from None


class ProjectSerializer(serializers.ModelSerializer):
    """The project fields PostHog's team serializer exposes that this API keeps."""

    organization = serializers.UUIDField(source="organization_id", read_only=True)
    project_id = serializers.IntegerField(read_only=True)
    # A string checked against the IANA names (an enum of ~600 names would bloat the schema).
    timezone = serializers.CharField(required=False, max_length=240)
    week_start_day = serializers.ChoiceField(choices=[0, 1], allow_null=True, required=False)

    class Meta:
        model = Team
        fields = [
            "id",
            "project_id",
            "organization",
            "name",
            "api_token",
            "timezone",
            "week_start_day",
            "test_account_filters",
            "test_account_filters_default_checked",
            "path_cleaning_filters",
            "data_attributes",
            "person_display_name_properties",
            "correlation_config",
            "created_at",
        ]
        read_only_fields = ["id", "project_id", "organization", "api_token", "created_at"]

    def to_internal_value(self, data: Any) -> Any:
        # Right or refused: a field PostHog has but this API does not keep is a 400, not ignored.
        if isinstance(data, dict):
            known = set(self.fields)
            for name in data:
                if name not in known:
                    raise serializers.ValidationError(
                        {name: [f"This project setting is not supported here: {name}."]}
                    )
        return super().to_internal_value(data)

    def validate_timezone(self, value: str) -> str:
        if value not in timezone_choices():
            raise serializers.ValidationError(f'"{value}" is not a valid choice.', code="invalid_choice")
        return value

    def validate_week_start_day(self, value: int | None) -> int:
        return 0 if value is None else value

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_test_account_filters(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise serializers.ValidationError(INVALID_FILTERS)
        try:
            parse_properties(value, "test_account_filters")
        except QueryError:
            raise serializers.ValidationError(INVALID_FILTERS) from None
        return value

    def validate_path_cleaning_filters(self, value: Any) -> list[dict[str, str]]:
        if not isinstance(value, list):
            raise serializers.ValidationError("Must provide a list of {regex, alias} objects.")
        rules = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("regex"), str) or not item["regex"]:
                raise serializers.ValidationError("Each path cleaning rule needs a non-empty regex.")
            alias = item.get("alias")
            if alias is not None and not isinstance(alias, str):
                raise serializers.ValidationError("A path cleaning alias must be a string.")
            _check_regex(item["regex"])
            rules.append({**item, "alias": alias or ""})
        return rules

    def validate_data_attributes(self, value: Any) -> list[str]:
        return _string_list(value, "attribute names")

    def validate_person_display_name_properties(self, value: Any) -> list[str] | None:
        return None if value is None else _string_list(value, "property names")

    def validate_correlation_config(self, value: Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be an object.")
        for key, names in value.items():
            if key not in CORRELATION_KEYS:
                raise serializers.ValidationError(f"Unknown correlation setting: {key}.")
            _string_list(names, "names")
        return value

    def update(self, instance: Team, validated_data: dict[str, Any]) -> Team:
        team = super().update(instance, validated_data)
        if "name" in validated_data and team.project_id == team.id and team.project is not None:
            team.project.name = team.name
            team.project.save(update_fields=["name"])
        return team
