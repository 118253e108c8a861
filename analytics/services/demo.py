"""Saved insights for the demo project, so a newcomer's first ``curl`` lists real insights."""

from __future__ import annotations

from typing import Any

from analytics.models import Insight
from analytics.services.insights import create_insight
from tenancy.models import Team, User

DEMO_EMAIL = "demo@example.com"

LAST_30_DAYS = {"date_from": "-30d"}


def _viz(source: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "InsightVizNode", "source": source}


DEMO_INSIGHTS: list[dict[str, Any]] = [
    {
        "name": "Pageviews per day",
        "query": _viz(
            {
                "kind": "TrendsQuery",
                "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}],
                "interval": "day",
                "dateRange": LAST_30_DAYS,
            }
        ),
    },
    {
        "name": "Daily active users by browser",
        "query": _viz(
            {
                "kind": "TrendsQuery",
                "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
                "interval": "day",
                "dateRange": LAST_30_DAYS,
                "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
            }
        ),
    },
    {
        "name": "Sign-up to purchase funnel",
        "query": _viz(
            {
                "kind": "FunnelsQuery",
                "series": [
                    {"kind": "EventsNode", "event": "$pageview"},
                    {"kind": "EventsNode", "event": "signed_up"},
                    {"kind": "EventsNode", "event": "purchase"},
                ],
                "dateRange": LAST_30_DAYS,
                "funnelsFilter": {"funnelWindowInterval": 14, "funnelWindowIntervalUnit": "day"},
            }
        ),
    },
    {
        "name": "Weekly retention after sign-up",
        "query": _viz(
            {
                "kind": "RetentionQuery",
                "retentionFilter": {
                    "targetEntity": {"id": "signed_up", "type": "events"},
                    "returningEntity": {"id": "$pageview", "type": "events"},
                    "period": "Week",
                    "totalIntervals": 5,
                },
            }
        ),
    },
    {
        "name": "Revenue per week",
        "query": _viz(
            {
                "kind": "TrendsQuery",
                "series": [
                    {"kind": "EventsNode", "event": "purchase", "math": "sum", "math_property": "revenue"}
                ],
                "interval": "week",
                "dateRange": LAST_30_DAYS,
            }
        ),
    },
]


def create_demo_insights(*, team: Team, user: Any) -> list[Insight]:
    """Creates the demo insights a project does not have yet (matched by name)."""
    existing = set(Insight.objects.filter(team=team, deleted=False).values_list("name", flat=True))
    return [
        create_insight(team=team, user=user, data={**spec, "saved": True})
        for spec in DEMO_INSIGHTS
        if spec["name"] not in existing
    ]


def demo_project_id() -> int | None:
    """The demo project ``setup_demo`` made, if this installation has one."""
    return User.objects.filter(email=DEMO_EMAIL).values_list("current_team_id", flat=True).first()
