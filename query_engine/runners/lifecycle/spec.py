"""``LifecycleQuery`` → ``LifecycleSpec``: exactly one series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.errors import QueryError
from query_engine.model import SeriesSpec
from query_engine.nodes import series_fields


@dataclass(frozen=True)
class LifecycleSpec(SeriesSpec):
    # Parsed as before; the runner returns all four statuses.
    toggled_lifecycles: tuple[str, ...] | None = None


def lifecycle_spec(query: dict[str, Any]) -> LifecycleSpec:
    fields = series_fields(query, "LifecycleQuery")
    if len(fields["series"]) != 1:
        raise QueryError("Lifecycle takes exactly one series.", attr="series")
    toggled = (query.get("lifecycleFilter") or {}).get("toggledLifecycles")
    return LifecycleSpec(**fields, toggled_lifecycles=tuple(toggled) if isinstance(toggled, list) else None)
