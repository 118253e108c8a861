"""Query-string filters of ``GET /insights/`` (django-filter)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import django_filters
import orjson
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from analytics.models import Insight
from query_engine.runners.registry import legacy_query_kinds

TRUTHY = {"1", "true", "yes", "y", "t", "on"}
RELATIVE = re.compile(r"^-(\d+)([hdwmy])$")
RELATIVE_UNITS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}
# Legacy insight name → query kind, from the engine's registry (TRENDS → TrendsQuery).
QUERY_KIND = legacy_query_kinds()
INSIGHT_KINDS = set(QUERY_KIND)
ORDERABLE = {
    f.name for f in Insight._meta.get_fields() if getattr(f, "concrete", False) and not f.many_to_many
}


def truthy(value: str | None) -> bool:
    return str(value).strip().lower() in TRUTHY


def json_id_list(value: str, *, param: str) -> list[int]:
    """``[1,2]`` or a single ``1`` → list of ints; anything else is a 400 naming ``param``."""
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise ValidationError({param: f"{param} must be an id or a JSON array of ids."}) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not all(isinstance(item, int) and not isinstance(item, bool) for item in items):
        raise ValidationError({param: f"{param} must be an id or a JSON array of ids."})
    return items


def parse_moment(value: str, *, param: str) -> datetime:
    """An ISO date/datetime or a relative ``-7d``/``-24h``/``-2w``/``-1m``/``-1y``."""
    match = RELATIVE.match(value.strip())
    try:
        if match:
            moment = timezone.now() - timedelta(days=int(match.group(1)) * RELATIVE_UNITS[match.group(2)])
        else:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.year < 1900:
            raise ValueError(moment)
    except (ValueError, OverflowError):
        raise ValidationError({param: f"{value[:100]!r} is not a date in range."}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class InsightFilterSet(django_filters.FilterSet):
    """Every list filter PostHog documents for insights (seed era plus the helpful current ones)."""

    short_id = django_filters.CharFilter(field_name="short_id")
    created_by = django_filters.CharFilter(method="filter_created_by")
    user = django_filters.CharFilter(method="filter_user")
    favorited = django_filters.CharFilter(method="filter_favorited")
    saved = django_filters.CharFilter(method="filter_saved")
    search = django_filters.CharFilter(method="filter_search", max_length=400)
    insight = django_filters.CharFilter(method="filter_insight")
    dashboards = django_filters.CharFilter(method="filter_dashboards")
    tags = django_filters.CharFilter(method="filter_tags")
    date_from = django_filters.CharFilter(method="filter_date_from")
    date_to = django_filters.CharFilter(method="filter_date_to")
    created_date_from = django_filters.CharFilter(method="filter_created_from")
    created_date_to = django_filters.CharFilter(method="filter_created_to")
    feature_flag = django_filters.CharFilter(method="filter_feature_flag")
    hide_feature_flag_insights = django_filters.CharFilter(method="filter_hide_flag_insights")
    order = django_filters.CharFilter(method="filter_order")

    class Meta:
        model = Insight
        fields: list[str] = []

    def filter_created_by(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(created_by_id__in=json_id_list(value, param="created_by"))

    def filter_user(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(created_by=self.request.user)

    def filter_favorited(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(favorited=True)

    def filter_saved(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if truthy(value):
            on_dashboard = Q(dashboard_tiles__isnull=False) & ~Q(dashboard_tiles__deleted=True)
            return qs.filter(Q(saved=True) | on_dashboard).distinct()
        return qs.filter(saved=False)

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return qs.filter(
            Q(name__icontains=text)
            | Q(derived_name__icontains=text)
            | Q(description__icontains=text)
            | Q(tags__name__icontains=text)
        ).distinct()

    def filter_insight(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        kind = value.strip().upper()
        if kind in INSIGHT_KINDS:
            legacy = Q(query__isnull=True) & Q(filters__insight=kind)
            if kind == "TRENDS":
                legacy = Q(query__isnull=True) & (Q(filters__insight=kind) | ~Q(filters__has_key="insight"))
            viz = Q(query__kind="InsightVizNode", query__source__kind=QUERY_KIND[kind])
            return qs.filter(legacy | viz)
        sql = Q(query__source__kind="HogQLQuery")
        if kind == "SQL":
            return qs.filter(sql)
        if kind == "JSON":
            return qs.filter(query__isnull=False).exclude(sql).exclude(query__kind="InsightVizNode")
        raise ValidationError({"insight": f"Unknown insight type {value!r}."})

    def filter_dashboards(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        for dashboard_id in json_id_list(value, param="dashboards"):
            qs = qs.filter(
                id__in=Insight.objects.filter(
                    dashboard_tiles__dashboard_id=dashboard_id, dashboard_tiles__dashboard__deleted=False
                ).exclude(dashboard_tiles__deleted=True)
            )
        return qs

    def filter_tags(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        try:
            tags = orjson.loads(value)
        except orjson.JSONDecodeError:
            tags = [value]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ValidationError({"tags": "tags must be a JSON array of tag names."})
        return qs.filter(tags__name__in=[tag.strip().lower() for tag in tags]).distinct()

    def filter_date_from(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(last_modified_at__gt=parse_moment(value, param="date_from"))

    def filter_date_to(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(last_modified_at__lt=parse_moment(value, param="date_to"))

    def filter_created_from(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(created_at__gt=parse_moment(value, param="created_date_from"))

    def filter_created_to(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(created_at__lt=parse_moment(value, param="created_date_to"))

    def filter_feature_flag(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # Matched on the stored JSON text so it works on SQLite and PostgreSQL alike.
        needle = f"$feature/{value}"
        return qs.filter(Q(filters__icontains=needle) | Q(query__icontains=needle))

    def filter_hide_flag_insights(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if not truthy(value):
            return qs
        return qs.exclude(
            Q(name__startswith="Feature Flag Called Total Volume")
            | Q(name__startswith="Feature Flag calls made by unique users per variant")
        )

    def filter_order(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        field = value.strip().lstrip("-")
        if field not in ORDERABLE:
            raise ValidationError({"order": f"Cannot order by {value!r}."})
        return qs.order_by(value.strip(), "id")
