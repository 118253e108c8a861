"""An actors source's insight follows the insight's own field rules (as on ``/query/``):
unknown fields and options this engine does not compute are a 400 naming the field inside
the source, never actors of an insight it would refuse. On the fixture of
tests/test_actors_trends.py."""

from __future__ import annotations

from tests.test_actors_trends import PAGEVIEW, RANGE, people, post  # noqa: F401 (fixture)

TRENDS = {"kind": "TrendsQuery", "series": [PAGEVIEW], "dateRange": RANGE}
FUNNEL = {"kind": "FunnelsQuery", "series": [PAGEVIEW, {"kind": "EventsNode", "event": "signup"}]}


def refused(api, team, source) -> str:
    body = post(api, team, {"kind": "ActorsQuery", "source": source, "select": ["person"]}, 400)
    assert body["type"] == "validation_error"
    return body["attr"]


def test_inner_insight_fields(api, people):  # noqa: F811
    insight = {"kind": "InsightActorsQuery", "day": "2020-01-09"}
    assert refused(api, people, {**insight, "source": {**TRENDS, "bogus": 1}}) == "source__source__bogus"
    retention = {"kind": "RetentionQuery", "retentionFilter": {"aggregationType": "sum"}}
    attr = refused(api, people, {"kind": "InsightActorsQuery", "source": retention, "interval": 0})
    assert attr == "source__source__retentionFilter__aggregationType"
    optional = {
        **FUNNEL,
        "series": [PAGEVIEW, {"kind": "EventsNode", "event": "signup", "optionalInFunnel": True}],
    }
    attr = refused(api, people, {"kind": "FunnelsActorsQuery", "source": optional, "funnelStep": 1})
    assert attr == "source__source__series__1__optionalInFunnel"
    paths = {"kind": "PathsQuery", "aggregation_group_type_index": 0}
    attr = refused(api, people, {"kind": "InsightActorsQuery", "source": paths})
    assert attr == "source__source__aggregation_group_type_index"


def test_person_column_types_do_not_depend_on_how_ids_are_fetched(api, people):  # noqa: F811
    source = {"kind": "InsightActorsQuery", "source": TRENDS, "day": "2020-01-09"}
    late = post(api, people, {"kind": "ActorsQuery", "source": source, "select": ["person"]})
    early = post(
        api, people, {"kind": "ActorsQuery", "source": source, "select": ["person"], "search": "x.io"}
    )
    assert late["types"] == early["types"] and "Array(String)" in late["types"][0]
    assert late["results"] == early["results"] and len(late["results"]) == 2  # p1, p2
