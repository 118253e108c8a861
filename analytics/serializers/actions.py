"""Actions as PostHog's action API shows them: a name and an OR of steps.

Steps are validated here, once, so a stored action always compiles: unknown step
fields, malformed property filters, unsupported selectors and regular expressions
RE2 cannot run are 400s naming ``steps__<i>__<field>``.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import Action
from analytics.serializers.insights import TagsField
from analytics.serializers.users import UserBasicSerializer
from analytics.services.actions import create_action, update_action
from query_engine.errors import QueryError
from query_engine.model import PropertyFilter, PropertyGroup
from query_engine.nodes import parse_properties
from query_engine.sql.elements import MATCHINGS, element_patterns, selector_regex

# What RE2 (ClickHouse's regex engine) lacks but Python's ``re`` accepts.
_NOT_RE2 = re.compile(r"\(\?[=!<>]|\(\?P=|\\[1-9]")
STEP_TEXT_FIELDS = ("event", "url", "selector", "tag_name", "text", "href")
STEP_FIELDS = (*STEP_TEXT_FIELDS, "url_matching", "text_matching", "href_matching", "properties")


def check_regex(pattern: str) -> None:
    """Refuse a pattern RE2 would not compile (checked with ``re`` plus RE2's gaps)."""
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        raise serializers.ValidationError(f"Invalid regular expression: {pattern[:200]}") from None
    if _NOT_RE2.search(pattern):
        raise serializers.ValidationError(
            f"Invalid regular expression: {pattern[:200]} (lookarounds and backreferences are not supported)"
        )


def _check_element_filters(group: PropertyGroup | PropertyFilter) -> None:
    """Element filters compile only at query time; check their key, operator and selector now."""
    if isinstance(group, PropertyGroup):
        for value in group.values:
            _check_element_filters(value)
    elif group.type == "element":
        element_patterns(group.key, group.operator, group.value)


class ActionStepSerializer(serializers.Serializer):
    event = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, max_length=400)
    properties = serializers.ListField(child=serializers.DictField(), required=False, allow_null=True)
    selector = serializers.CharField(required=False, allow_null=True, max_length=1000)
    selector_regex = serializers.SerializerMethodField()
    tag_name = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, max_length=400)
    text = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, max_length=1000)
    text_matching = serializers.ChoiceField(choices=MATCHINGS, required=False, allow_null=True)
    href = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, max_length=2048)
    href_matching = serializers.ChoiceField(choices=MATCHINGS, required=False, allow_null=True)
    url = serializers.CharField(required=False, allow_null=True, max_length=2048)
    url_matching = serializers.ChoiceField(choices=MATCHINGS, required=False, allow_null=True)

    def get_selector_regex(self, step: dict[str, Any]) -> str | None:
        try:
            return selector_regex(step["selector"]) if step.get("selector") else None
        except QueryError:
            return None

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in STEP_FIELDS and key != "selector_regex"]
            if unknown:
                raise serializers.ValidationError({unknown[0]: f"Unknown step field {unknown[0]!r}."})
        return cast(dict[str, Any], super().to_internal_value(data))

    def validate_properties(self, value: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        try:
            _check_element_filters(parse_properties(value or [], "properties"))
        except QueryError as exc:
            raise serializers.ValidationError(exc.detail) from None
        return value or []

    def validate_selector(self, value: str | None) -> str | None:
        if value:
            try:
                selector_regex(value)
            except QueryError as exc:
                raise serializers.ValidationError(exc.detail) from None
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for key, matching in (("url", "url_matching"), ("text", "text_matching"), ("href", "href_matching")):
            if attrs.get(key) and attrs.get(matching) == "regex":
                try:
                    check_regex(attrs[key])
                except serializers.ValidationError as exc:
                    raise serializers.ValidationError({key: exc.detail}) from None
        # Stored with every field present, as PostHog returns steps.
        step = {key: attrs.get(key) for key in STEP_FIELDS}
        step["properties"] = attrs.get("properties") or []
        step["url_matching"] = attrs.get("url_matching") or "contains"
        return step


class ActionSerializer(serializers.ModelSerializer):
    steps = ActionStepSerializer(many=True, required=False)
    tags = TagsField(required=False)
    created_by = UserBasicSerializer(read_only=True, allow_null=True)
    is_calculating = serializers.SerializerMethodField()
    is_action = serializers.SerializerMethodField()
    bytecode_error = serializers.SerializerMethodField()
    creation_context = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "name",
            "description",
            "tags",
            "post_to_slack",
            "slack_message_format",
            "steps",
            "created_at",
            "created_by",
            "deleted",
            "is_calculating",
            "last_calculated_at",
            "team_id",
            "is_action",
            "bytecode_error",
            "pinned_at",
            "creation_context",
        ]
        read_only_fields = ["id", "created_at", "created_by", "last_calculated_at", "team_id"]
        extra_kwargs = {"description": {"allow_blank": True, "required": False}}

    def get_is_calculating(self, action: Action) -> bool:
        return False  # matched at query time: there is never a calculation running

    def get_is_action(self, action: Action) -> bool:
        return True

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_bytecode_error(self, action: Action) -> None:
        return None  # actions are compiled per query, never to bytecode

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_creation_context(self, action: Action) -> None:
        return None

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.", code="blank")
        return value

    def validate_post_to_slack(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError("Posting actions to Slack is not supported.")
        return value

    def validate_pinned_at(self, value: Any) -> Any:
        # PostHog pins with its own timestamp: any value pins (keeping an earlier pin), null unpins.
        if value is None:
            return None
        instance = cast(Action | None, self.instance)
        return instance.pinned_at if instance is not None and instance.pinned_at else timezone.now()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = cast(Action | None, self.instance)
        if instance is None and "name" not in attrs:
            raise serializers.ValidationError({"name": "This field is required."}, code="required")
        name = attrs.get("name")
        if name is not None:
            team = self.context["team"]
            clash = Action.objects.filter(team=team, name=name, deleted=False)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            clash_id = clash.order_by("id").values_list("id", flat=True).first()
            if clash_id is not None:
                raise serializers.ValidationError(
                    {"name": f"This project already has an action with this name, ID {clash_id}"},
                    code="unique",
                )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Action:
        return create_action(
            team=self.context["team"], user=self.context["request"].user, data=validated_data
        )

    def update(self, instance: Action, validated_data: dict[str, Any]) -> Action:
        return update_action(action=instance, user=self.context["request"].user, data=validated_data)


class ActionReferenceSerializer(serializers.Serializer):
    """One place an action is used (``GET /actions/:id/references/``)."""

    type = serializers.CharField()
    id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField(allow_null=True)
    created_by = UserBasicSerializer(allow_null=True)
