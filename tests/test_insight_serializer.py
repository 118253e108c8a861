"""``InsightSerializer`` renders the result fields the view computed; it never asks the engine."""

from __future__ import annotations

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from analytics.models import Insight
from analytics.serializers.insights import InsightSerializer
from analytics.services import insight_results

pytestmark = pytest.mark.django_db

FIELDS = {
    "last_refresh": "2026-01-02T03:04:05Z",
    "cache_target_age": "2026-01-02T03:19:05Z",
    "next_allowed_client_refresh": "2026-01-02T03:07:05Z",
    "result": [{"label": "signup", "data": [3, 1]}],
    "hasMore": None,
    "columns": None,
    "timezone": "Europe/Paris",
    "is_cached": True,
    "query_status": None,
    "hogql": None,
    "types": None,
    "filters_hash": "cache_abc",
}


@pytest.fixture
def no_engine(monkeypatch):
    def refuse(**kwargs):
        raise AssertionError("the serializer asked the engine")

    monkeypatch.setattr(insight_results, "query_results", refuse)


def _request(user) -> Request:
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    return request


def test_renders_the_given_result_fields(owner, no_engine):
    insight = Insight.objects.create(team=owner.team, name="Signups", filters={"events": [{"id": "signup"}]})
    context = {"request": _request(owner.user), "results": {insight.pk: FIELDS}}
    data = InsightSerializer(insight, context=context).data
    assert {field: data[field] for field in FIELDS} == FIELDS
    assert (data["name"], data["filters"]["insight"], data["user_access_level"]) == (
        "Signups",
        "TRENDS",
        "manager",
    )


def test_without_result_fields_it_fails_loudly(owner, no_engine):
    insight = Insight.objects.create(team=owner.team, name="Signups")
    with pytest.raises(RuntimeError, match=f"no result fields for insight {insight.pk}"):
        InsightSerializer(insight, context={"request": _request(owner.user), "results": {}}).data  # noqa: B018
