"""The persons' distinct ids of one page, fetched after the page (``person`` objects only).

Joining every actor of a data point to its distinct ids before ordering costs an aggregation
over the project's whole distinct-id table (on 10M events: 2.7 s of a 4.5 s list); when no
expression, order or search reads ``distinct_ids``, the page is picked without them and this
one small query fills the ≤ ``limit`` persons shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from query_engine.hogql import ast
from query_engine.hogql.visitor import walk
from query_engine.runners.actors.table import MAX_DISTINCT_IDS
from query_engine.runners.common import run_sql

# Every version of the page's distinct ids, so a distinct id that moved keeps its latest person.
PAGE_DISTINCT_IDS = f"""SELECT toString(person_id), arraySort(groupArray({MAX_DISTINCT_IDS})(distinct_id))
FROM (
    SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id2
    WHERE team_id = {{team_id:Int64}} AND distinct_id IN (
        SELECT distinct_id FROM person_distinct_id2
        WHERE team_id = {{team_id:Int64}} AND has({{ids:Array(String)}}, toString(person_id)))
    GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0
)
WHERE has({{ids:Array(String)}}, toString(person_id))
GROUP BY person_id"""


def reads_distinct_ids(exprs: Iterable[ast.Expr]) -> bool:
    """Could any of these expressions read the persons' distinct ids (directly, via ``*``
    or a whole ``person``)?"""
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, ast.Field) and (
                "distinct_ids" in node.chain or "*" in node.chain or node.chain == ("person",)
            ):
                return True
    return False


def page_distinct_ids(team_id: int, ids: list[str], *, timeout_key: str) -> dict[str, list[str]]:
    if not ids:
        return {}
    rows = run_sql(PAGE_DISTINCT_IDS, {"team_id": team_id, "ids": ids}, timeout_key=timeout_key).rows
    return {str(person): list(distinct_ids) for person, distinct_ids in rows}


def fill(rows: list[list[Any]], positions: list[int], found: dict[str, list[str]]) -> None:
    """Put each person's distinct ids into its ``person`` tuples (second item)."""
    for row in rows:
        for index in positions:
            uuid, _, *rest = row[index]
            row[index] = (uuid, found.get(str(uuid), []), *rest)
