"""What a benchmark case is: an API request and the best hand-written SQL that
gives the same answer, plus how to read the answer out of each.

Case modules live in ``bench/cases/`` and define ``CASES``; ``bench/queries.py``
finds them, times both sides in the same run and records the ratio.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Dataset:
    """The loaded demo data: which project and which days it covers (UTC)."""

    team_id: int
    first_day: date
    last_day: date
    events: int


@dataclass(frozen=True)
class Case:
    """One benchmark: ``request`` builds the API call, ``sql`` the hand-written query.

    ``request(ds)`` returns ``(method, path, body)`` where path is relative to
    ``/api/projects/<id>/``. ``api_answer`` and ``sql_answer`` reduce both
    sides to the same comparable value (checked every run). A case with a
    ``baseline`` compares two API calls instead (a HogQL query against the
    insight runner asking the same question): ``baseline(ds)`` is the second
    request and ``baseline_answer`` reads its answer.
    """

    name: str
    request: Callable[[Dataset], tuple[str, str, dict[str, Any]]]
    api_answer: Callable[[dict[str, Any]], Any]
    sql: Callable[[Dataset], tuple[str, dict[str, Any]]] | None = None
    sql_answer: Callable[[list[list[Any]]], Any] | None = None
    goal_ratio: float | None = None
    baseline: Callable[[Dataset], tuple[str, str, dict[str, Any]]] | None = None
    baseline_answer: Callable[[dict[str, Any]], Any] | None = None
    naive: Callable[[Dataset], tuple[str, dict[str, Any]]] | None = None
    naive_answer: Callable[[list[list[Any]]], Any] | None = None
    naive_api_answer: Callable[[dict[str, Any]], Any] | None = None


# The person-override join and person expression the cases' hand SQL share.
_OVERRIDE_JOIN = re.compile(
    r"\s*LEFT JOIN \(\s*SELECT distinct_id, argMax\(person_id, version\) AS override_person_id\s*"
    r"FROM person_distinct_id_overrides WHERE team_id = \{team:Int64\}\s*"
    r"GROUP BY distinct_id HAVING argMax\(is_deleted, version\) = 0\s*"
    r"\) AS o ON e\.distinct_id = o\.distinct_id"
)
_OVERRIDE_PERSON = "if(o.distinct_id != '', o.override_person_id, e.person_id)"


def without_override_join(sql: str) -> str:
    """The same SQL reading ``e.person_id`` directly (what a plain events table offers)."""
    naive = _OVERRIDE_JOIN.sub(" ", sql).replace(_OVERRIDE_PERSON, "e.person_id")
    leftovers = ("person_distinct_id_overrides", "o.override_person_id", "o.distinct_id")
    if any(left in naive for left in leftovers):
        raise ValueError("hand SQL uses the override join in a form without_override_join does not know")
    return naive


def naive_sql(case: Case, ds: Dataset) -> tuple[str, dict[str, Any]] | None:
    """The case's naive SQL: its own, else its hand SQL without the override join."""
    if case.naive is not None:
        return case.naive(ds)
    if case.sql is None:
        return None
    sql, params = case.sql(ds)
    return without_override_join(sql), params
