"""Each action step matcher through HTTP: actions created with POST /actions/, events
captured as posthog-js sends them (``$elements`` lists, or a ready ``$elements_chain``),
counted by a TrendsQuery with one series per action."""

from __future__ import annotations

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-07"}
BODY = {"tag_name": "body", "nth_child": 2, "nth_of_type": 1}
HERO = {"tag_name": "div", "attr__class": ["hero"], "nth_child": 1, "nth_of_type": 1}


def _event(name, url, elements=None, chain=None):
    properties = {"$current_url": url}
    if elements is not None:
        properties["$elements"] = elements
    if chain is not None:
        properties["$elements_chain"] = chain
    return {"event": name, "distinct_id": "u1", "timestamp": "2024-01-02T10:00:00Z", "properties": properties}


EVENTS = [
    # e1: a click on the label inside <div class="hero"><button class="btn signup" id="cta" …>
    _event(
        "$autocapture",
        "https://shop.example/pricing",
        [
            {"tag_name": "span", "$el_text": "Sign up", "nth_child": 1, "nth_of_type": 1},
            {
                "tag_name": "button",
                "attr__class": "btn signup",
                "attr__id": "cta",
                "attr__data-attr": "signup-button",
                "nth_child": 2,
                "nth_of_type": 1,
            },
            HERO,
            BODY,
        ],
    ),
    # e2: a link in the hero, its text with quotes
    _event(
        "$autocapture",
        "https://shop.example/blog/pricing-news",
        [
            {
                "tag_name": "a",
                "$el_text": 'Read "more"',
                "attr__href": "/blog/post-1",
                "attr__class": "link",
                "nth_child": 3,
                "nth_of_type": 1,
            },
            HERO,
            BODY,
        ],
    ),
    # e3: a button directly inside a form
    _event(
        "$autocapture",
        "https://shop.example/Pricing",
        [
            {
                "tag_name": "button",
                "attr__class": "btn",
                "$el_text": "Sign up now",
                "nth_child": 1,
                "nth_of_type": 1,
            },
            {"tag_name": "form", "nth_child": 1, "nth_of_type": 1},
            BODY,
        ],
    ),
    # e4: a pageview, no elements
    _event("$pageview", "https://shop.example/pricing"),
    # e5: an SDK that sends the chain itself (posthog-js elementsChainAsString)
    _event(
        "$autocapture",
        "https://shop.example/",
        chain='a.nav:attr__href="/docs"href="/docs"nth-child="1"nth-of-type="1"text="Docs";nav:nth-child="1"nth-of-type="1"',
    ),
]

# (name, steps, expected count of the five events above, and which ones)
CASES = [
    ("url exact", [{"url": "https://shop.example/pricing", "url_matching": "exact"}], 2),  # e1 e4
    (
        "url exact + event",
        [{"event": "$autocapture", "url": "https://shop.example/pricing", "url_matching": "exact"}],
        1,
    ),
    ("url contains", [{"url": "pricing"}], 3),  # e1 e2 e4 (case-sensitive: not e3's "Pricing")
    ("url regex", [{"url": "/[Pp]ricing$", "url_matching": "regex"}], 3),  # e1 e3 e4
    ("selector class", [{"selector": "button.signup"}], 1),  # e1
    ("selector two classes", [{"selector": "button.signup.btn"}], 1),  # e1
    ("selector partial class", [{"selector": "button.sign"}], 0),  # whole class names only
    ("selector child", [{"selector": "div.hero > button"}], 1),  # e1
    ("selector descendant", [{"selector": "body button"}], 2),  # e1 e3
    ("selector child of form", [{"selector": "form > button.btn"}], 1),  # e3
    ("selector not a child", [{"selector": "body > button"}], 0),  # buttons sit in div/form
    ("selector attribute", [{"selector": '[data-attr="signup-button"]'}], 1),  # e1
    ("selector id", [{"selector": "#cta"}], 1),  # e1
    ("selector on sent chain", [{"selector": "nav > a.nav"}], 1),  # e5
    ("tag button", [{"tag_name": "button"}], 2),  # e1 e3
    ("tag a", [{"tag_name": "a"}], 2),  # e2 e5
    ("text exact", [{"text": "Sign up"}], 1),  # e1 (e3's "Sign up now" is not equal)
    ("text contains", [{"text": "sign UP", "text_matching": "contains"}], 2),  # e1 e3, any case
    ("text regex", [{"text": "Sign up( now)?", "text_matching": "regex"}], 2),  # e1 e3
    ("text with quotes", [{"text": 'Read "more"', "text_matching": "exact"}], 1),  # e2
    ("href exact", [{"href": "/blog/post-1"}], 1),  # e2
    ("href contains", [{"href": "doc", "href_matching": "contains"}], 1),  # e5
    ("href regex", [{"href": "/(blog|docs)/?.*", "href_matching": "regex"}], 2),  # e2 e5
    (
        "properties",
        [
            {
                "event": "$pageview",
                "properties": [{"key": "$current_url", "value": "PRICING", "operator": "icontains"}],
            }
        ],
        1,  # e4
    ),
    (
        "element property",
        [{"properties": [{"key": "text", "value": "Docs", "operator": "exact", "type": "element"}]}],
        1,  # e5
    ),
    # Steps are ORed: e1 (selector), e4 (pageview), e5 (href) -> 3
    ("three steps", [{"selector": "button.signup"}, {"event": "$pageview"}, {"href": "/docs"}], 3),
    # Overlapping steps count an event once: e1 and e3 match both -> 2, not 4
    ("overlapping steps", [{"tag_name": "button"}, {"text": "sign up", "text_matching": "contains"}], 2),
    # All parts of one step must hold: e1 is a button with text "Sign up" on its label, e3 lacks the class
    ("selector and text", [{"selector": "button.btn", "text": "Sign up", "url": "pricing"}], 1),
]


def test_each_step_matcher(api, team, clickhouse):
    capture_events(api, team, EVENTS)
    ids = []
    for name, steps, _ in CASES:
        response = api.post(
            f"/api/projects/{team.id}/actions/", {"name": name, "steps": steps}, format="json"
        )
        assert response.status_code == 201, (name, response.json())
        ids.append(response.json()["id"])
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "ActionsNode", "id": action_id} for action_id in ids],
        "dateRange": RANGE,
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.json()
    got = {r["label"]: r["count"] for r in response.json()["results"]}
    assert got == {name: float(expected) for name, _, expected in CASES}


def test_element_property_filters_in_queries(api, team, clickhouse):
    capture_events(api, team, EVENTS)

    def count(prop):
        query = {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "$autocapture"}],
            "properties": [{**prop, "type": "element"}],
            "dateRange": RANGE,
        }
        response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
        assert response.status_code == 200, response.json()
        return response.json()["results"][0]["count"]

    # Four autocaptures: e1 e2 e3 e5.
    assert count({"key": "selector", "value": "div.hero a"}) == 1  # e2
    assert count({"key": "selector", "value": "div.hero a", "operator": "is_not"}) == 3
    assert count({"key": "tag_name", "value": ["a", "form"]}) == 3  # e2 e5 (a), e3 (form)
    assert count({"key": "href", "value": "", "operator": "is_set"}) == 2  # e2 e5
    assert count({"key": "text", "value": "up", "operator": "not_icontains"}) == 2  # e2 e5
    refused = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$autocapture"}],
        "properties": [{"key": "selector", "value": "a", "operator": "icontains", "type": "element"}],
    }
    response = api.post(f"/api/projects/{team.id}/query/", {"query": refused}, format="json")
    assert response.status_code == 400 and "operator" in response.json()["detail"]


def test_elements_become_the_chain(api, team, clickhouse):
    """The stored chain is PostHog's text: classes sorted, attributes sorted by key, quotes escaped."""
    capture_events(api, team, EVENTS[:2])
    query = {"kind": "HogQLQuery", "query": "SELECT elements_chain FROM events ORDER BY elements_chain"}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 200, response.json()
    chains = [row[0] for row in response.json()["results"]]
    assert chains == [
        'a.link:attr__class="link"attr__href="/blog/post-1"href="/blog/post-1"nth-child="3"nth-of-type="1"'
        'text="Read \\"more\\"";div.hero:attr__class="hero"nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"',
        'span:nth-child="1"nth-of-type="1"text="Sign up";button.btn.signup:attr__class="btn signup"'
        'attr__data-attr="signup-button"attr__id="cta"attr_id="cta"nth-child="2"nth-of-type="1";'
        'div.hero:attr__class="hero"nth-child="1"nth-of-type="1";body:nth-child="2"nth-of-type="1"',
    ]
