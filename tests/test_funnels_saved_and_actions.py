"""Funnels in saved insights (legacy ``filters`` and ``query``) and with action steps."""

from __future__ import annotations

from analytics.models import Action
from tests.capture import capture_events
from tests.funnels_helpers import counts, ev, funnel

FILTERS = {
    "insight": "FUNNELS",
    "events": [{"id": "signup", "order": 0}, {"id": "activate", "order": 1}],
    "date_from": "2024-01-01",
    "date_to": "2024-01-07",
    "funnel_window_interval": 1,
    "funnel_window_interval_unit": "hour",
}


def _people(api, team):
    capture_events(
        api,
        team,
        [
            # a converts in 30 min; b after 2 h (outside the 1 h window)
            ev("a", "signup", "10:00:00"),
            ev("a", "activate", "10:30:00"),
            ev("b", "signup", "10:00:00"),
            ev("b", "activate", "12:00:00"),
        ],
    )


def test_saved_insight_with_funnel_filters_computes(api, team, clickhouse):
    _people(api, team)
    created = api.post(
        f"/api/projects/{team.id}/insights/", {"name": "Signup funnel", "filters": FILTERS}, format="json"
    )
    assert created.status_code == 201, created.json()
    insight = api.get(
        f"/api/projects/{team.id}/insights/{created.json()['id']}/", {"refresh": "blocking"}
    ).json()
    assert counts(insight["result"]) == [2, 1]
    assert insight["result"][1]["average_conversion_time"] == 1800.0


def test_saved_insight_with_funnels_query(api, team, clickhouse):
    _people(api, team)
    query = {
        "kind": "InsightVizNode",
        "source": {
            "kind": "FunnelsQuery",
            "series": [
                {"kind": "EventsNode", "event": "signup"},
                {"kind": "EventsNode", "event": "activate"},
            ],
            "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-07"},
            "funnelsFilter": {"funnelWindowInterval": 3, "funnelWindowIntervalUnit": "hour"},
        },
    }
    created = api.post(f"/api/projects/{team.id}/insights/", {"name": "q", "query": query}, format="json")
    assert created.status_code == 201, created.json()
    insight = api.get(
        f"/api/projects/{team.id}/insights/{created.json()['id']}/", {"refresh": "blocking"}
    ).json()
    # 3 h window: both convert (1800 s and 7200 s → mean 4500)
    assert counts(insight["result"]) == [2, 2]
    assert insight["result"][1]["average_conversion_time"] == 4500.0


def test_action_steps(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            ev("a", "$pageview", "10:00:00", **{"$current_url": "https://shop.example/pricing"}),
            ev("a", "purchase", "10:10:00"),
            ev("b", "$pageview", "10:00:00", **{"$current_url": "https://shop.example/blog"}),
            ev("b", "purchase", "10:10:00"),
        ],
    )
    pricing = Action.objects.create(
        team=team,
        name="Viewed pricing",
        steps=[{"event": "$pageview", "url": "/pricing", "url_matching": "contains"}],
    )
    steps = [{"kind": "ActionsNode", "id": pricing.id}, {"kind": "EventsNode", "event": "purchase"}]
    result = funnel(api, team, steps=steps)
    # only a viewed /pricing
    assert counts(result) == [1, 1]
    assert (result[0]["action_id"], result[0]["name"], result[0]["type"]) == (
        pricing.id,
        "Viewed pricing",
        "actions",
    )
