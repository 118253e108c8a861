"""PostHog's ``elements_chain`` text → the list of element objects EventsQuery's ``*`` shows.

Format: elements separated by ``;``; each is ``tag.class1.class2:`` followed by
``key="value"`` pairs (``text``, ``href``, ``nth-child``, ``nth-of-type``,
``attr_id``, ``attr__name``); quotes inside values are escaped as ``\\"``.
"""

from __future__ import annotations

import re
from typing import Any

SPLIT = re.compile(r';(?=(?:[^"\\]|\\.|"(?:[^"\\]|\\.)*")*$)')
ATTRIBUTE = re.compile(r'(?P<key>[\w\-]+)="(?P<value>(?:[^"\\]|\\.)*)"')


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def parse_elements(chain: str) -> list[dict[str, Any]]:
    if not chain:
        return []
    elements = []
    for order, part in enumerate(SPLIT.split(chain)):
        head, _, rest = part.partition(":")
        tag, *classes = head.split(".")
        attrs = {m["key"]: m["value"].replace('\\"', '"') for m in ATTRIBUTE.finditer(rest)}
        elements.append(
            {
                "text": attrs.get("text"),
                "tag_name": tag or None,
                "attr_class": [c for c in classes if c] or None,
                "href": attrs.get("href"),
                "attr_id": attrs.get("attr_id"),
                "nth_child": _int(attrs.get("nth-child")),
                "nth_of_type": _int(attrs.get("nth-of-type")),
                "attributes": {k: v for k, v in attrs.items() if k.startswith("attr__")},
                "order": order,
            }
        )
    return elements
