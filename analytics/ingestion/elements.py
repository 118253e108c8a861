"""posthog-js ``$elements`` (a list of element objects) → the ``elements_chain`` text.

Autocapture sends the clicked element first, then its ancestors. Each object carries
``tag_name``, ``$el_text``, ``attr__class`` (a list or a space-separated string),
``attr__id``, ``attr__href`` and every other HTML attribute as ``attr__<name>``, plus
``nth_child``/``nth_of_type``. The chain writes each as ``tag.classA.classB:`` then
``key="value"`` pairs sorted by key (``text``, ``href``, ``attr_id``, ``nth-child``,
``nth-of-type`` and the ``attr__`` attributes), quotes in values escaped, which is
what PostHog stores and what action steps match (``query_engine/sql/elements.py``).
"""

from __future__ import annotations

from typing import Any

MAX_ELEMENTS = 100  # deeper DOM paths are cut (the chain stays bounded)
MAX_TEXT = 400
MAX_HREF = 2048
MAX_VALUE = 1000


def _escape(value: Any) -> str:
    return str(value).replace('"', '\\"')


def _classes(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [c for c in raw.split() if c]
    if isinstance(raw, list):
        return [str(c) for c in raw if isinstance(c, str | int) and str(c)]
    return []


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _attribute(value: Any) -> str:
    # A list (``attr__class`` as an array) is written comma-joined, as JavaScript's toString does.
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _element(raw: dict[str, Any]) -> str:
    tag = raw.get("tag_name")
    head = tag if isinstance(tag, str) else ""
    for name in sorted(_classes(raw.get("attr__class"))):
        head += "." + name.replace('"', "")  # as PostHog writes it, so chains compare equal
    pairs: dict[str, str] = {
        key: _attribute(value)[:MAX_VALUE]
        for key, value in raw.items()
        if isinstance(key, str) and key.startswith("attr__") and (_scalar(value) or isinstance(value, list))
    }
    text = raw.get("$el_text")
    if _scalar(text) and str(text):
        pairs["text"] = str(text)[:MAX_TEXT]
    href = raw.get("attr__href")
    if _scalar(href) and str(href):
        pairs["href"] = str(href)[:MAX_HREF]
    element_id = raw.get("attr__id")
    if _scalar(element_id) and str(element_id):
        pairs["attr_id"] = str(element_id)
    for key, source in (("nth-child", "nth_child"), ("nth-of-type", "nth_of_type")):
        value = raw.get(source)
        pairs[key] = str(value) if isinstance(value, int) and not isinstance(value, bool) else "0"
    return head + ":" + "".join(f'{_escape(k)}="{_escape(v)}"' for k, v in sorted(pairs.items()))


def elements_chain(elements: Any) -> str:
    """The chain for a ``$elements`` list; anything that is not one gives ``""``."""
    if not isinstance(elements, list):
        return ""
    return ";".join(_element(e) for e in elements[:MAX_ELEMENTS] if isinstance(e, dict))
