"""HogQL ``matchesAction(id or 'name')``: true for an event matching a saved action of the project.

The action's steps compile with the insights' own step SQL (``sql/events.py``), which
reads the physical events columns, so the condition is computed inside the events
table's guarded subquery (or straight onto an insight's ``FROM events``) and the
outer query reads it as one more column.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from query_engine.actions import find_action
from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.printer import TeamSettings
from query_engine.model import ActionDef
from query_engine.sql.events import FilterContext, action_condition
from query_engine.sql.params import Params

NAME = "matchesAction"


def resolve(node: ast.Call, team_id: int | None) -> ActionDef:
    """The live action ``node``'s constant argument names (an id, or a unique name)."""
    if len(node.args) != 1:
        raise HogQLError(f"{NAME} expects 1 argument, found {len(node.args)}").at(node)
    arg = node.args[0]
    value = arg.value if isinstance(arg, ast.Constant) else None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise HogQLError(f"{NAME} takes an action id or name as a constant.").at(arg)
    if team_id is None:
        # Property filters compile without the project at hand.
        raise HogQLError(
            f"{NAME} is not available in property filters: use an action series, or a HogQL query."
        ).at(node)
    action = find_action(team_id, value)
    if action is None:
        shown = f"ID {value}" if isinstance(value, int) else f"the name {value[:200]!r}"
        raise HogQLError(f"Could not find an action with {shown}.").at(arg)
    return action


def matches_action_sql(node: ast.Call, team: TeamSettings, params: Params) -> tuple[int, str]:
    """The action's id and its 0/1 condition over the physical ``events`` row."""
    action = resolve(node, team.id)
    ctx = FilterContext(tz=ZoneInfo(team.timezone), now=datetime.now(UTC), team_id=team.id)
    return action.id, f"toUInt8({action_condition(action, params, ctx)})"
