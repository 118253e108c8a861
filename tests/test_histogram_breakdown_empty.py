"""A histogram breakdown over a range with no numeric value answers empty, not a 500 (the
bin edges' quantiles are NULL)."""

from __future__ import annotations

import pytest

from tests.engine_events import store_events
from tests.query_api import post_query as _query

pytestmark = pytest.mark.django_db
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview"}


@pytest.fixture
def events(api, team, clickhouse):
    store_events(
        api,
        team,
        [
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2020-01-10T09:00:00Z",
             "properties": {"amount": 5}},
            {"event": "$pageview", "distinct_id": "b", "timestamp": "2020-01-10T10:00:00Z",
             "properties": {"amount": 15}},
        ],
    )  # fmt: skip
    return team


def test_a_histogram_breakdown_with_no_values_in_range_is_empty_not_a_500(api, events):
    node = {
        "kind": "TrendsQuery",
        "series": [PAGEVIEW],
        "dateRange": {"date_from": "2021-01-01", "date_to": "2021-01-02"},
        "breakdownFilter": {
            "breakdown": "amount",
            "breakdown_type": "event",
            "breakdown_histogram_bin_count": 2,
        },
    }
    response = _query(api, events, node)
    assert response.status_code == 200, response.json()
    assert response.json()["results"] == []
