"""What a benchmark case is: an API request and the best hand-written SQL that
gives the same answer, plus how to read the answer out of each.

Case modules live in ``bench/cases/`` and define ``CASES``; ``bench/queries.py``
finds them, times both sides in the same run and records the ratio.
"""

from __future__ import annotations

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
