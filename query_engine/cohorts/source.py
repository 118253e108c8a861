"""The team's saved cohorts, read through a source the app registers.

Only a team's own, non-deleted cohorts are ever returned, so another project's
cohort id is unknown here: a filter or breakdown naming it is refused (400).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError


@dataclass(frozen=True)
class CohortRef:
    """What a query needs of a cohort: its name (labels) and readable membership version."""

    id: int
    name: str
    version: int | None  # None: not calculated yet (no members)
    is_static: bool = False


CohortSource = Callable[[int, frozenset[int]], dict[int, CohortRef]]
# The team's newest non-deleted cohort of a name (HogQL's ``IN COHORT 'name'``).
CohortNameSource = Callable[[int, str], CohortRef | None]
_source: CohortSource | None = None
_by_name: CohortNameSource | None = None


def register_cohort_source(source: CohortSource | None, by_name: CohortNameSource | None = None) -> None:
    global _source, _by_name
    _source, _by_name = source, by_name


MAX_ID = 2**63 - 1  # ids are 64-bit (the databases overflow beyond)


def cohort_id(value: Any, attr: str) -> int:
    """A cohort id as filters carry it (an integer, or its digits as text)."""
    digits = isinstance(value, str) and value.isascii() and value.isdigit()
    if digits or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise QueryError("A cohort filter's value must be a cohort id.", attr=attr)
    return value


def load_cohorts(team_id: int, ids: frozenset[int]) -> dict[int, CohortRef]:
    """The team's non-deleted cohorts among ``ids`` (others are absent)."""
    if not ids:
        return {}
    if _source is None:
        raise RuntimeError("no cohort source registered (query_engine.cohorts.source.register_cohort_source)")
    return _source(team_id, ids)


def cohort_ref(team_id: int, value: Any, attr: str) -> CohortRef:
    """The team's cohort ``value``; an unknown, deleted or foreign id is a 400 naming ``attr``."""
    wanted = cohort_id(value, attr)
    found = load_cohorts(team_id, frozenset({wanted})).get(wanted)
    if found is None:
        raise QueryError(f"Cohort {wanted} does not exist in this project.", attr=attr)
    return found


def cohort_by_id_or_name(team_id: int, value: int | str, attr: str) -> CohortRef:
    """``IN COHORT 5`` / ``IN COHORT 'Power users'``: the team's cohort, else a 400."""
    if isinstance(value, int):
        return cohort_ref(team_id, value, attr)
    if _by_name is None:
        raise RuntimeError("no cohort name source registered (register_cohort_source)")
    found = _by_name(team_id, value)
    if found is None:
        raise QueryError(f"Cohort {value[:100]!r} does not exist in this project.", attr=attr)
    return found


def _referenced(value: Any, found: set[int], names: set[str]) -> None:
    if isinstance(value, str):
        if "cohort" in value.lower():
            for digits, name in _HOGQL_COHORT.findall(value):
                if digits:
                    _add(digits, found)
                else:
                    names.add(name.replace("\\'", "'"))
        return
    if isinstance(value, dict):
        if value.get("type") == "cohort" and "value" in value:
            _add(value["value"], found)
        if value.get("breakdown_type") == "cohort":
            breakdown = value.get("breakdown")
            for item in breakdown if isinstance(breakdown, list) else [breakdown]:
                _add(item, found)
        for item in value.values():
            _referenced(item, found, names)
    elif isinstance(value, list):
        for item in value:
            _referenced(item, found, names)


def _add(value: Any, found: set[int]) -> None:
    # Not an id ("all", a typo): the query itself refuses or ignores it.
    with contextlib.suppress(QueryError):
        found.add(cohort_id(value, "cohort"))


def cohorts_fingerprint(team_id: int, *parts: Any) -> str | None:
    """The membership versions of the cohorts ``parts`` (a query, the test-account filters)
    name, for the result cache key: a recalculated cohort must not serve its old numbers.
    None when they name no cohort."""
    found: set[int] = set()
    names: set[str] = set()
    for part in parts:
        _referenced(part, found, names)
    if (not found and not names) or _source is None:
        return None
    refs = _source(team_id, frozenset(found))
    by_id = sorted((i, refs[i].version if i in refs else None) for i in found)
    by_name = sorted((name, _named_version(team_id, name)) for name in names)
    return repr((by_id, by_name)) if by_name else repr(by_id)


# HogQL's ``IN COHORT 5`` / ``IN COHORT 'name'`` inside query text or expressions.
_HOGQL_COHORT = re.compile(r"""\bcohort\s+(?:(\d+)|'((?:[^'\\]|\\.)*)')""", re.IGNORECASE)


def _named_version(team_id: int, name: str) -> tuple[int, int | None] | None:
    found = _by_name(team_id, name) if _by_name is not None else None
    return (found.id, found.version) if found is not None else None
