"""Property operators live in one map (sql/properties.py OPERATORS) that parsing and SQL both read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from query_engine.errors import QueryError
from query_engine.model import PropertyFilter
from query_engine.nodes import parse_properties
from query_engine.sql.params import Params
from query_engine.sql.properties import OPERATORS, compile_group

NOW = datetime(2024, 5, 1, tzinfo=UTC)
VALUES = {
    "between": [1, 5],
    "not_between": [1, 5],
    "is_date_exact": "2024-04-01",
    "is_date_after": "-7d",
    "is_date_before": "2024-04-01",
}


def _sql(raw: dict) -> tuple[str, dict]:
    params = Params()
    return compile_group(parse_properties([raw]), params, tz=ZoneInfo("UTC"), now=NOW), params.values


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_every_operator_parses_and_compiles(operator):
    raw = {"key": "plan", "value": VALUES.get(operator, "7"), "operator": operator}
    group = parse_properties([raw])
    assert group.values == (PropertyFilter(key="plan", value=raw["value"], operator=operator),)
    sql, params = _sql(raw)
    assert sql != "1" and params["p0"] == "plan"  # the key is always a bound parameter


def test_an_operator_outside_the_map_is_refused_naming_it():
    with pytest.raises(QueryError) as refused:
        parse_properties([{"key": "plan", "value": "x", "operator": "sounds_like"}])
    assert refused.value.attr == "properties__0__operator"


def test_families_share_builders_with_their_sign():
    assert _sql({"key": "n", "value": 3, "operator": "min"}) == _sql(
        {"key": "n", "value": 3, "operator": "gte"}
    )
    sql, params = _sql({"key": "n", "value": [1, 5], "operator": "not_between"})
    assert (
        sql
        == "ifNull(toFloat64OrNull(nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), '')) < {p1:Float64} OR toFloat64OrNull(nullIf(JSONExtract(properties, {p0:String}, 'Nullable(String)'), '')) > {p2:Float64}, 0)"
    )
    assert params == {"p0": "n", "p1": 1.0, "p2": 5.0}
