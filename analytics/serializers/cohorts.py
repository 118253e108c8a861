"""Cohorts as PostHog's cohort API shows them.

Validation parses a dynamic cohort's definition with the engine (so a definition the
engine cannot compute is a 400 naming the field), and checks the cohorts it names are
the project's own and not in a loop. Legacy ``groups`` are shown as the equivalent
``filters`` as well. Multipart bodies (CSV uploads) carry ``filters``/``groups`` as JSON text.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from analytics.models import Cohort
from analytics.serializers.users import UserBasicSerializer
from analytics.services.cohorts import check_references
from query_engine.cohorts.definition import is_behavioral, parse_definition
from query_engine.errors import QueryError

MAX_STATIC_PERSON_IDS = 10_000


def _json_text(value: Any, attr: str) -> Any:
    if isinstance(value, str):
        try:
            return orjson.loads(value) if value.strip() else None
        except orjson.JSONDecodeError:
            raise serializers.ValidationError({attr: "Must be JSON."}) from None
    return value


def legacy_filters(groups: list[Any]) -> dict[str, Any]:
    """Legacy ``groups`` in the current ``filters`` form (an OR of the groups)."""
    values: list[dict[str, Any]] = []
    for group in groups:
        if not isinstance(group, dict):
            continue
        if group.get("action_id") is not None or group.get("event_id") is not None:
            is_action = group.get("action_id") is not None
            operator = {"eq": "exact"}.get(
                group.get("count_operator") or "gte", group.get("count_operator") or "gte"
            )
            values.append(
                {
                    "type": "behavioral",
                    "key": group["action_id"] if is_action else group["event_id"],
                    "event_type": "actions" if is_action else "events",
                    "value": "performed_event_multiple",
                    "operator": operator,
                    "operator_value": group.get("count") or 1,
                    "time_value": group.get("days") or 365,
                    "time_interval": "day",
                    "negation": False,
                }
            )
            continue
        props = group.get("properties") or []
        if isinstance(props, dict):
            values.append(props)
        else:
            values.append(
                {"type": "AND", "values": [{"type": "person", **p} if "type" not in p else p for p in props]}
            )
    return {"properties": {"type": "OR", "values": values}}


class CohortSerializer(serializers.ModelSerializer):
    created_by = UserBasicSerializer(read_only=True)
    filters = serializers.JSONField(required=False, allow_null=True)
    groups = serializers.JSONField(required=False)
    query = serializers.JSONField(required=False, allow_null=True)
    cohort_type = serializers.SerializerMethodField()
    experiment_set = serializers.SerializerMethodField()
    _create_static_person_ids = serializers.ListField(
        child=serializers.CharField(), required=False, write_only=True, max_length=MAX_STATIC_PERSON_IDS
    )

    class Meta:
        model = Cohort
        fields = [
            "id",
            "name",
            "description",
            "groups",
            "filters",
            "query",
            "deleted",
            "is_static",
            "cohort_type",
            "is_calculating",
            "last_calculation",
            "errors_calculating",
            "count",
            "version",
            "created_by",
            "created_at",
            "experiment_set",
            "_create_static_person_ids",
        ]
        read_only_fields = [
            "id",
            "is_calculating",
            "last_calculation",
            "errors_calculating",
            "count",
            "version",
            "created_by",
            "created_at",
        ]

    def get_cohort_type(self, cohort: Cohort) -> str:
        if cohort.is_static:
            return "static"
        try:
            return (
                "behavioral"
                if is_behavioral(parse_definition(cohort.filters, cohort.groups))
                else "person_property"
            )
        except QueryError:
            return "person_property"

    def get_experiment_set(self, cohort: Cohort) -> list[int]:
        return []

    def validate_filters(self, value: Any) -> Any:
        return _json_text(value, "filters")

    def validate_groups(self, value: Any) -> Any:
        value = _json_text(value, "groups")
        return [] if value is None else value

    def validate_query(self, value: Any) -> Any:
        value = _json_text(value, "query")
        if value is not None:
            raise serializers.ValidationError("Cohorts from a query are not supported; upload a CSV instead.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance: Cohort | None = self.instance
        if instance is not None and "is_static" in attrs and attrs["is_static"] != instance.is_static:
            raise serializers.ValidationError(
                {"is_static": "A cohort cannot change between static and dynamic."}
            )
        is_static = attrs.get("is_static", instance.is_static if instance else False)
        if "_create_static_person_ids" in attrs and (instance is not None or not is_static):
            raise serializers.ValidationError(
                {"_create_static_person_ids": "Only a new static cohort takes _create_static_person_ids."}
            )
        if not is_static and ("filters" in attrs or "groups" in attrs or instance is None):
            filters = attrs.get("filters", instance.filters if instance else None)
            groups = attrs.get("groups", instance.groups if instance else [])
            definition = parse_definition(filters, groups)
            check_references(
                team=self.context["team"], cohort_id=instance.pk if instance else None, definition=definition
            )
        return attrs

    def to_representation(self, instance: Cohort) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not data.get("filters") and instance.groups:
            data["filters"] = legacy_filters(instance.groups)
        return data
