"""Saved actions for the pure model, read through a source the app registers.

The engine owns no tables: the app registers a function that returns the
``ActionDef`` of each known, non-deleted action id of a team
(``analytics/services/action_source.py``). Unknown ids are refused (``load_actions``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from query_engine.errors import QueryError
from query_engine.model import ActionDef, ActionStep, Series
from query_engine.nodes import parse_properties
from query_engine.team import TeamContext

URL_MATCHING = ("exact", "contains", "regex")

ActionSource = Callable[[int, frozenset[int]], dict[int, ActionDef]]
ActionByName = Callable[[int, str], ActionDef | None]
_source: ActionSource | None = None
_by_name: ActionByName | None = None


def register_action_source(source: ActionSource | None) -> None:
    global _source
    _source = source


def register_action_name_source(by_name: ActionByName | None) -> None:
    global _by_name
    _by_name = by_name


def find_action(team_id: int, ref: int | str) -> ActionDef | None:
    """A live action of the team by id or by name (HogQL's ``matchesAction``)."""
    if isinstance(ref, int):
        return _source(team_id, frozenset({ref})).get(ref) if _source is not None else None
    return _by_name(team_id, ref) if _by_name is not None else None


def _text(step: dict[str, Any], key: str) -> str | None:
    value = step.get(key)
    return value if isinstance(value, str) and value != "" else None


def _matching(step: dict[str, Any], key: str, default: str) -> str:
    value = step.get(key) or default
    return value if value in URL_MATCHING else default


def action_def(action_id: int, name: str, steps: Any) -> ActionDef:
    """The engine's form of a stored action (the REST serializer validated the steps)."""
    parsed = []
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        parsed.append(
            ActionStep(
                event=_text(step, "event"),
                url=_text(step, "url"),
                url_matching=_matching(step, "url_matching", "contains"),
                properties=parse_properties(
                    step.get("properties"), f"action_{action_id}__steps__{index}__properties"
                ),
                selector=_text(step, "selector"),
                tag_name=_text(step, "tag_name"),
                text=_text(step, "text"),
                text_matching=_matching(step, "text_matching", "exact"),
                href=_text(step, "href"),
                href_matching=_matching(step, "href_matching", "exact"),
            )
        )
    return ActionDef(id=action_id, name=name, steps=tuple(parsed))


def load_actions(team: TeamContext, series: Iterable[Series] | Mapping[str, Series]) -> dict[int, ActionDef]:
    """Actions referenced by ``series`` (a list read as ``series__<i>``, or named by attr).

    An id that is not one of the team's live actions (another project's, deleted, never
    existed) is a ``QueryError`` naming the series: counting it as "no events" would
    answer a plausible zero for a query that cannot be what the caller meant.
    """
    named = dict(series) if isinstance(series, Mapping) else {f"series__{i}": s for i, s in enumerate(series)}
    for attr, s in list(named.items()):
        named.update({f"{attr}__nodes__{j}": node for j, node in enumerate(s.nodes)})
    wanted = {
        attr: s.action_id for attr, s in named.items() if s.kind == "actions" and s.action_id is not None
    }
    if not wanted:
        return {}
    if _source is None:
        raise RuntimeError("no action source registered (query_engine.actions.register_action_source)")
    found = _source(team.id, frozenset(wanted.values()))
    for attr, action_id in wanted.items():
        if action_id not in found:
            raise QueryError(
                f"Action {action_id} does not exist.", attr=f"{attr}__id", code="action_not_found"
            )
    return found


# ``matchesAction(12)`` / ``matchesAction('Signed up')`` inside HogQL text.
_MATCHES_ACTION = re.compile(
    r"""matchesAction\(\s*(?:(\d{1,18})|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)"""
)


def _referenced_ids(value: Any, found: set[int], *, in_actions_list: bool = False, names: set[str]) -> None:
    if isinstance(value, str) and "matchesAction" in value:
        for number, single, double in _MATCHES_ACTION.findall(value):
            if number:
                found.add(int(number))
            else:
                names.add(re.sub(r"\\(.)", r"\1", single or double))
    if isinstance(value, dict):
        if in_actions_list or value.get("kind") == "ActionsNode" or value.get("type") == "actions":
            raw = value.get("id")
            if isinstance(raw, int) and not isinstance(raw, bool):
                found.add(raw)
            elif isinstance(raw, str) and raw.isdigit() and len(raw) < 19:
                found.add(int(raw))
        for key, item in value.items():
            in_list = key == "actions" and isinstance(item, list)
            _referenced_ids(item, found, in_actions_list=in_list, names=names)
    elif isinstance(value, list):
        for item in value:
            _referenced_ids(item, found, in_actions_list=in_actions_list, names=names)


def referenced_actions(query: Any) -> tuple[set[int], set[str]]:
    """The action ids (series, entities, legacy ``actions``, ``matchesAction(12)``) and
    names (``matchesAction('Signed up')``) a query or legacy filters dict names."""
    ids: set[int] = set()
    names: set[str] = set()
    _referenced_ids(query, ids, names=names)
    return ids, names


def actions_fingerprint(team_id: int, query: Any) -> str | None:
    """The definitions of the saved actions ``query`` names (None when it names none), for
    the result cache key: editing or deleting an action must not serve its old numbers."""
    ids, names = referenced_actions(query)
    if not (ids or names) or _source is None:
        return None
    found = _source(team_id, frozenset(ids)) if ids else {}
    by_name = {name: find_action(team_id, name) for name in sorted(names)}
    return repr((sorted((i, found.get(i)) for i in ids), sorted(by_name.items())))
