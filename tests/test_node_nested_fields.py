"""Objects nested in a query node (series, filters, breakdowns, date ranges, entities,
exclusions, property filters …) refuse a field PostHog's schema does not list: 400 whose
``attr`` is the field's path. Known fields of the same objects are still accepted."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

from query_engine.node_schema import SCHEMAS

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference" / "posthog-openapi-insights.json"
EVENT = {"kind": "EventsNode", "event": "buy"}
PROP = {"key": "$browser", "value": "Chrome", "operator": "exact", "type": "event"}


def _trends(**fields) -> dict:
    return {"kind": "TrendsQuery", "series": [EVENT], **fields}


def _funnel(**fields) -> dict:
    return {"kind": "FunnelsQuery", "series": [EVENT, {"kind": "EventsNode", "event": "pay"}], **fields}


def _retention(**filter_fields) -> dict:
    return {"kind": "RetentionQuery", "retentionFilter": filter_fields}


CASES = [
    (_trends(series=[{**EVENT, "evnt": "x"}]), "series__0__evnt"),
    (_trends(series=[{"kind": "ActionsNode", "id": 1, "event": "x"}]), "series__0__event"),
    (
        _trends(series=[{**EVENT, "properties": [{**PROP, "operatr": "icontains"}]}]),
        "series__0__properties__0__operatr",
    ),
    (_trends(properties=[{**PROP, "negated": True}]), "properties__0__negated"),
    (
        _trends(properties={"type": "AND", "values": [{"type": "OR", "values": [{**PROP, "valu": 1}]}]}),
        "properties__values__0__values__0__valu",
    ),
    (_trends(properties={"type": "AND", "values": [], "extra": 1}), "properties__extra"),
    (_trends(dateRange={"date_from": "-7d", "explicit_date": True}), "dateRange__explicit_date"),
    (_trends(compareFilter={"compare": True, "compareTo": "-1w"}), "compareFilter__compareTo"),
    (
        _trends(breakdownFilter={"breakdown": "$browser", "breakdownLimit": 3}),
        "breakdownFilter__breakdownLimit",
    ),
    (
        _trends(breakdownFilter={"breakdowns": [{"property": "$browser", "type": "event", "limit": 2}]}),
        "breakdownFilter__breakdowns__0__limit",
    ),
    (_trends(trendsFilter={"display": "ActionsTable", "showLegnd": True}), "trendsFilter__showLegnd"),
    (
        _trends(trendsFilter={"goalLines": [{"label": "x", "value": 1, "colour": "red"}]}),
        "trendsFilter__goalLines__0__colour",
    ),
    (_trends(modifiers={"personsOnEventsMode": "disabled", "turbo": True}), "modifiers__turbo"),
    (
        _funnel(funnelsFilter={"exclusions": [{**EVENT, "funnelFromStep": 0, "funnelToStepp": 1}]}),
        "funnelsFilter__exclusions__0__funnelToStepp",
    ),
    (_funnel(funnelsFilter={"funnelWindowDays": 3}), "funnelsFilter__funnelWindowDays"),
    (
        _retention(targetEntity={"id": "buy", "type": "events", "math": "dau"}),
        "retentionFilter__targetEntity__math",
    ),
    (_retention(period="Day", periods=3), "retentionFilter__periods"),
    (
        {"kind": "PathsQuery", "pathsFilter": {"includeEventTypes": ["$pageview"], "edges": 3}},
        "pathsFilter__edges",
    ),
    (
        {
            "kind": "PathsQuery",
            "pathsFilter": {"localPathCleaningFilters": [{"regex": "a", "alias": "b", "x": 1}]},
        },
        "pathsFilter__localPathCleaningFilters__0__x",
    ),
    (
        {"kind": "StickinessQuery", "series": [EVENT], "stickinessFilter": {"criteria": {"operator": "gte"}}},
        "stickinessFilter__criteria",
    ),
    (
        {"kind": "LifecycleQuery", "series": [EVENT], "lifecycleFilter": {"toggled": []}},
        "lifecycleFilter__toggled",
    ),
    (
        {
            "kind": "FunnelCorrelationQuery",
            "funnelCorrelationType": "events",
            "source": {"kind": "FunnelsActorsQuery", "source": _funnel(), "funnelStepp": 1},
        },
        "source__funnelStepp",
    ),
    (
        {"kind": "InsightVizNode", "source": _trends(dateRange={"date_from": "-7d", "to": "x"})},
        "dateRange__to",
    ),
]


@pytest.mark.parametrize(("node", "attr"), CASES, ids=[attr for _, attr in CASES])
def test_unknown_nested_field_is_400_naming_its_path(api, team, node, attr):
    response = api.post(f"/api/projects/{team.id}/query/", {"query": node}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["attr"] == attr and body["code"] == "unknown_field" and body["type"] == "validation_error"
    assert repr(attr.split("__")[-1]) in body["detail"]
    # The environments prefix and the async path refuse it the same way.
    env = api.post(
        f"/api/environments/{team.id}/query/", {"query": node, "refresh": "force_async"}, format="json"
    )
    assert env.status_code == 400 and env.json()["attr"] == attr


def test_known_nested_fields_are_accepted(api, team, clickhouse):
    node = _trends(
        series=[
            {
                **EVENT,
                "custom_name": "Buys",
                "name": "buy",
                "math": "total",
                "properties": [{**PROP, "label": "l"}],
            }
        ],
        dateRange={"date_from": "2020-01-01", "date_to": "2020-01-02", "explicitDate": False},
        breakdownFilter={"breakdown": "$browser", "breakdown_type": "event", "breakdown_limit": 3},
        trendsFilter={
            "display": "ActionsLineGraph",
            "showLegend": True,
            "goalLines": [{"label": "g", "value": 2}],
        },
        compareFilter={"compare": False},
        properties={"type": "AND", "values": [{"type": "OR", "values": [PROP]}]},
        modifiers={"personsOnEventsMode": "person_id_override_properties_joined"},
    )
    response = api.post(f"/api/projects/{team.id}/query/", {"query": node}, format="json")
    assert response.status_code == 200, response.content


def _generator():
    loader = importlib.machinery.SourceFileLoader("gen_node_schema", str(ROOT / "bin" / "gen-node-schema"))
    spec = importlib.util.spec_from_loader("gen_node_schema", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.skipif(not REFERENCE.exists(), reason="PostHog's reference schema is not beside the repo")
def test_checked_in_field_lists_match_the_reference():
    assert _generator().build(REFERENCE) == SCHEMAS, "run bin/gen-node-schema"


def test_field_lists_cover_the_insight_objects():
    for name in ("EventsNode", "ActionsNode", "BreakdownFilter", "Breakdown", "DateRange", "CompareFilter"):
        assert name in SCHEMAS
    assert "breakdown_limit" in SCHEMAS["BreakdownFilter"]["fields"]
    assert SCHEMAS["RetentionEntity"]["kinds"] == ["ActionsNode", "EventsNode"]
