"""``LifecycleQuery`` → ``LifecycleSpec``: exactly one series, persons or groups of one type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError
from query_engine.model import SeriesSpec
from query_engine.nodes import series_fields
from query_engine.sql.groups import group_index


@dataclass(frozen=True)
class LifecycleSpec(SeriesSpec):
    # Parsed as before; the runner returns all four statuses.
    toggled_lifecycles: tuple[str, ...] | None = None
    # Lifecycle of the groups of this type (their first identify makes them new), not persons.
    aggregation_group_type_index: int | None = None


def lifecycle_spec(query: dict[str, Any]) -> LifecycleSpec:
    group_type = query.get("aggregation_group_type_index")
    if group_type is not None:
        group_type = group_index(group_type, "aggregation_group_type_index")
    # series_fields refuses the field for the kinds that cannot aggregate by group.
    fields = series_fields(
        {k: v for k, v in query.items() if k != "aggregation_group_type_index"}, "LifecycleQuery"
    )
    if len(fields["series"]) != 1:
        raise QueryError("Lifecycle takes exactly one series.", attr="series")
    toggled = (query.get("lifecycleFilter") or {}).get("toggledLifecycles")
    return LifecycleSpec(
        **fields,
        toggled_lifecycles=tuple(toggled) if isinstance(toggled, list) else None,
        aggregation_group_type_index=group_type,
    )
