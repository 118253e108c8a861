"""A dynamic cohort's definition, parsed and validated: PostHog's ``filters.properties``
tree (AND/OR groups of ``person``, ``cohort`` and ``behavioral`` criteria, each with
``negation``), or the legacy ``groups`` list (an OR of groups) converted to it.

Every problem is a ``QueryError`` whose ``attr`` names the field (``filters__properties__
values__0__value``), so the API answers 400 rather than storing a cohort it cannot compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.cohorts.behavioral import Behavioral, parse_behavioral, parse_legacy_behavioral
from query_engine.cohorts.source import cohort_id
from query_engine.errors import QueryError
from query_engine.model import PropertyFilter
from query_engine.sql.properties import OPERATORS

VALUELESS_OPERATORS = ("is_set", "is_not_set")
PROPERTIES_MESSAGE = "Must contain a 'properties' key with type and values"


@dataclass(frozen=True)
class Criterion:
    """One leaf: a person property filter, membership of another cohort, or a behaviour."""

    negated: bool = False
    person: PropertyFilter | None = None
    cohort: int | None = None
    behavioral: Behavioral | None = None


@dataclass(frozen=True)
class Group:
    type: str  # AND | OR
    values: tuple[Group | Criterion, ...] = ()


def parse_definition(filters: Any, groups: Any) -> Group:
    """The definition a dynamic cohort computes: ``filters`` when given, else legacy ``groups``."""
    if filters not in (None, {}):
        if not isinstance(filters, dict) or not isinstance(filters.get("properties"), dict):
            raise QueryError(PROPERTIES_MESSAGE, attr="filters")
        root = _item(filters["properties"], "filters__properties")
        if not isinstance(root, Group):
            raise QueryError(PROPERTIES_MESSAGE, attr="filters__properties")
        return root
    return _legacy(groups)


def _item(raw: Any, attr: str) -> Group | Criterion:
    if not isinstance(raw, dict):
        raise QueryError("Each cohort criterion must be an object.", attr=attr)
    kind = raw.get("type")
    if kind in ("AND", "OR"):
        values = raw.get("values")
        if not isinstance(values, list):
            raise QueryError(PROPERTIES_MESSAGE, attr=f"{attr}__values")
        return Group(kind, tuple(_item(v, f"{attr}__values__{i}") for i, v in enumerate(values)))
    negated = bool(raw.get("negation"))
    if kind == "person":
        return Criterion(negated=negated, person=person_filter(raw, attr))
    if kind in ("cohort", "precalculated-cohort", "static-cohort"):
        return Criterion(negated=negated, cohort=cohort_id(raw.get("value"), f"{attr}__value"))
    if kind == "behavioral":
        return Criterion(negated=negated, behavioral=parse_behavioral(raw, attr))
    shown = str(kind)[:60]
    raise QueryError(
        f"Cohort criteria of type {shown!r} are not supported; use person, cohort or behavioral.",
        attr=f"{attr}__type",
    )


def person_filter(raw: dict[str, Any], attr: str) -> PropertyFilter:
    key = raw.get("key")
    if not isinstance(key, str) or not key:
        raise QueryError("Missing required keys for person filter: key", attr=f"{attr}__key")
    if key == "distinct_id":
        raise QueryError("Cohorts cannot filter on distinct_id.", attr=f"{attr}__key")
    operator = raw.get("operator") or "exact"
    if not isinstance(operator, str) or operator not in OPERATORS:
        shown = str(operator)[:60]
        raise QueryError(f"Property filter operator {shown!r} is not supported.", attr=f"{attr}__operator")
    if operator not in VALUELESS_OPERATORS and raw.get("value") is None:
        raise QueryError("Missing required keys for person filter: value", attr=f"{attr}__value")
    return PropertyFilter(key=key, value=raw.get("value"), operator=operator, type="person")


def _legacy(groups: Any) -> Group:
    """PostHog's legacy ``groups``: an OR of ``{"properties": [...]}`` (ANDed person/cohort
    filters) and ``{"action_id"|"event_id", "days", "count", "count_operator"}`` behaviours."""
    if groups in (None, []):
        return Group("OR")
    if not isinstance(groups, list):
        raise QueryError("groups must be a list.", attr="groups")
    out: list[Group | Criterion] = []
    for index, group in enumerate(groups):
        attr = f"groups__{index}"
        if not isinstance(group, dict):
            raise QueryError("Each group must be an object.", attr=attr)
        if group.get("action_id") is not None or group.get("event_id") is not None:
            out.append(Criterion(behavioral=parse_legacy_behavioral(group, attr)))
            continue
        props = group.get("properties") or []
        if isinstance(props, dict):
            out.append(_item(props, f"{attr}__properties"))
            continue
        if not isinstance(props, list):
            raise QueryError("properties must be a list.", attr=f"{attr}__properties")
        items = []
        for i, prop in enumerate(props):
            item_attr = f"{attr}__properties__{i}"
            if isinstance(prop, dict) and prop.get("type") in (None, "person"):
                prop = {**prop, "type": "person"}
            items.append(_item(prop, item_attr))
        out.append(Group("AND", tuple(items)))
    return Group("OR", tuple(out))


def referenced_cohorts(node: Group | Criterion) -> set[int]:
    """Ids of the cohorts the definition names (directly)."""
    if isinstance(node, Criterion):
        return {node.cohort} if node.cohort is not None else set()
    return set().union(*(referenced_cohorts(v) for v in node.values)) if node.values else set()


def is_behavioral(node: Group | Criterion) -> bool:
    if isinstance(node, Criterion):
        return node.behavioral is not None
    return any(is_behavioral(v) for v in node.values)
