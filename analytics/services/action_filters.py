"""The action list's query parameters, as PostHog's action list reads them.

``search`` (name), ``created_by`` (comma-separated user ids), ``tags`` (a JSON list:
actions with any of them), ``ordering`` (``name``, ``created_at``, ``pinned_at``,
``created_by``; ``-`` for descending). A malformed value is a 400 naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.db.models import F, QuerySet
from rest_framework.exceptions import ValidationError

from analytics.models import Action

ORDERINGS = {
    "name": "name",
    "created_at": "created_at",
    "pinned_at": "pinned_at",
    "created_by": "created_by__email",
}


def _invalid(attr: str, detail: str) -> ValidationError:
    return ValidationError({attr: detail})


def filter_actions(queryset: QuerySet[Action], params: Mapping[str, str]) -> QuerySet[Action]:
    search = params.get("search")
    if search:
        queryset = queryset.filter(name__icontains=search)
    created_by = params.get("created_by")
    if created_by:
        parts = [p.strip() for p in created_by.split(",") if p.strip()]
        if not all(p.isdigit() and len(p) < 19 for p in parts):
            raise _invalid("created_by", "created_by must be comma-separated user ids.")
        queryset = queryset.filter(created_by_id__in=[int(p) for p in parts])
    tags = params.get("tags")
    if tags:
        try:
            names = json.loads(tags)
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _invalid("tags", 'tags must be a JSON list of tag names, e.g. ["growth"].')
        queryset = queryset.filter(tags__name__in=[n.strip().lower() for n in names]).distinct()
    if params.get("include_reference_count"):
        raise _invalid("include_reference_count", "Reference counts are not supported.")
    return _ordered(queryset, params.get("ordering"))


def _ordered(queryset: QuerySet[Action], ordering: str | None) -> QuerySet[Action]:
    if not ordering:
        return queryset.order_by("name", "id")
    descending = ordering.startswith("-")
    field = ORDERINGS.get(ordering.lstrip("-"))
    if field is None:
        raise _invalid("ordering", f"ordering must be one of {', '.join(ORDERINGS)} (with - to reverse).")
    expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(expression, "id")
