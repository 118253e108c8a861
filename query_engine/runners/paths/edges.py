"""Edge rows → PostHog's path links (engine.md §6.2 step 9, §6.3). Pure.

After the weight filters and the edge limit, only edges reachable from a
first step (``"1_…"``) through the remaining edges are kept, so the graph a
client draws never has floating fragments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any


def reachable(edges: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """Edges whose source can be reached from some ``1_`` source; order kept."""
    targets: dict[str, list[str]] = defaultdict(list)
    for source, target, *_ in edges:
        targets[source].append(target)
    stack = [source for source, *_ in edges if str(source).startswith("1_")]
    seen: set[str] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(targets[node])
    return [edge for edge in edges if edge[0] in seen]


def links(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """``(source, target, value, average ms)`` rows → ``PathsLink`` objects."""
    return [
        {
            "source": source,
            "target": target,
            "value": int(value),
            "average_conversion_time": float(average),
        }
        for source, target, value, average in reachable(list(rows))
    ]
