"""The events source and the WHERE pieces shared by every insight kind.

* ``events_source``: ``FROM events``; the effective person (``persons.py``)
  needs no join, only the project bound as ``{team_id:Int64}``.
* ``entity_condition``: an event name or a saved action (OR of its steps).
* ``range_condition``, ``team_condition``: the partition-pruning predicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from query_engine.model import ActionDef, ActionStep, PropertyGroup, Series
from query_engine.sql.elements import attribute_regex, selector_regex, tag_name_regex
from query_engine.sql.json_values import event_property
from query_engine.sql.params import Params
from query_engine.sql.persons import person_id_expr  # noqa: F401 (runners read it here)
from query_engine.sql.properties import compile_group, like_contains

DATETIME = "DateTime64(6, 'UTC')"


@dataclass(frozen=True)
class FilterContext:
    """What property compilation needs besides the filters: tz, "now" and the team (whose
    cohorts cohort filters name; None refuses them)."""

    tz: ZoneInfo
    now: datetime
    team_id: int | None = None


def events_source(params: Params, team_id: int, *, with_person: bool) -> str:
    # Bound either way: the project guard and the effective person's override set read it.
    params.named("team_id", team_id, "Int64")
    return "FROM events"


def team_condition(params: Params, team_id: int) -> str:
    return f"events.team_id = {params.named('team_id', team_id, 'Int64')}"


def range_condition(params: Params, date_from: datetime | None, date_to: datetime | None) -> str:
    parts = []
    if date_from is not None:
        parts.append(f"events.timestamp >= {params.add(date_from, DATETIME)}")
    if date_to is not None:
        parts.append(f"events.timestamp <= {params.add(date_to, DATETIME)}")
    return " AND ".join(parts) or "1"


def _url_condition(step: ActionStep, params: Params) -> str:
    url = event_property("$current_url", params)
    if step.url_matching == "exact":
        return f"ifNull({url} = {params.add(step.url)}, 0)"
    if step.url_matching == "regex":
        return f"ifNull(match({url}, {params.add(step.url)}), 0)"
    # PostHog: "contains" is a case-sensitive LIKE, not ILIKE.
    return f"ifNull({url} LIKE {params.add(like_contains(step.url))}, 0)"


def _elements_conditions(step: ActionStep, params: Params) -> list[str]:
    """The step's autocapture matchers, each a regex over the event's element chain."""
    patterns = []
    if step.selector:
        patterns.append(selector_regex(step.selector))
    if step.tag_name:
        patterns.append(tag_name_regex(step.tag_name))
    if step.text is not None:
        patterns.append(attribute_regex("text", step.text, step.text_matching))
    if step.href is not None:
        patterns.append(attribute_regex("href", step.href, step.href_matching))
    return [f"match(events.elements_chain, {params.add(p)})" for p in patterns]


def step_condition(step: ActionStep, params: Params, ctx: FilterContext) -> str:
    parts = []
    if step.event:
        parts.append(f"events.event = {params.add(step.event)}")
    if step.url:
        parts.append(_url_condition(step, params))
    parts.extend(_elements_conditions(step, params))
    props = compile_group(step.properties, params, tz=ctx.tz, now=ctx.now, team_id=ctx.team_id)
    if props != "1":
        parts.append(props)
    return "(" + " AND ".join(parts) + ")" if parts else "1"


def action_condition(action: ActionDef | None, params: Params, ctx: FilterContext) -> str:
    if action is None or action.steps is None:
        return "0"  # unknown action matches nothing
    if not action.steps:
        return "1"
    steps = [step_condition(s, params, ctx) for s in action.steps]
    if "1" in steps:
        return "1"
    return steps[0] if len(steps) == 1 else "(" + " OR ".join(steps) + ")"


def entity_condition(
    series: Series, params: Params, ctx: FilterContext, actions: dict[int, ActionDef]
) -> str:
    if series.kind == "actions":
        return action_condition(actions.get(series.action_id or 0), params, ctx)
    if series.kind == "group":
        # Each node is its event or action and its own property filters.
        parts = [
            and_(
                entity_condition(node, params, ctx, actions),
                filters_condition([node.properties], params, ctx),
            )
            for node in series.nodes
        ]
        if series.operator == "AND":
            return and_(*parts)
        return "1" if "1" in parts else "(" + " OR ".join(f"({p})" for p in parts) + ")"
    if series.event is None:
        return "1"
    return f"events.event = {params.add(series.event)}"


def filters_condition(groups: list[PropertyGroup], params: Params, ctx: FilterContext) -> str:
    """AND of property groups (global, series, test accounts …)."""
    return and_(*(compile_group(g, params, tz=ctx.tz, now=ctx.now, team_id=ctx.team_id) for g in groups))


def and_(*conditions: str) -> str:
    """The conditions joined by AND, leaving out empty and always-true (``1``) ones."""
    kept = [c for c in conditions if c and c != "1"]
    return " AND ".join(kept) if kept else "1"


def where(*conditions: str) -> str:
    kept = [c for c in conditions if c and c != "1"]
    return "WHERE " + ("\n  AND ".join(kept) if kept else "1")
