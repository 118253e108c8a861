"""Autocapture element matching: CSS selectors, tag names, texts and hrefs as RE2
patterns over the ``elements_chain`` column.

The chain (ingestion and ``hogql/elements.py``) lists the clicked element first, then
its ancestors, separated by ``;``. Each element is ``tag.classA.classB:`` followed by
``key="value"`` pairs sorted by key (``attr_id``, ``attr__<name>``, ``href``,
``nth-child``, ``nth-of-type``, ``text``), quotes inside values escaped as ``\\"``.

As in PostHog, every matcher holds when *some* element of the chain matches, so a
click on a ``<span>`` inside ``button.signup`` matches the selector ``button.signup``.
Unlike PostHog's looser patterns, class names and attributes match whole tokens, in
whatever order the SDK wrote them.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from query_engine.errors import QueryError

# One whole ``key="value"`` pair, and one whole element of the chain.
_VALUE = r'"(?:[^"\\]|\\.)*"'
_PAIR = r'[^=;"]+=' + _VALUE
_ANY_ELEMENT = r'(?:[^;"]|' + _VALUE + r")*"
_CLASS = r'\.[^.:;"]+'
_TAG = r'[^.:;"]*'

MATCHINGS = ("exact", "contains", "regex")


def re2_escape(text: str) -> str:
    """``text`` literal in RE2 (which accepts a backslash before ASCII punctuation only)."""
    return "".join("\\" + char if char in string.punctuation else char for char in text)


def chain_escape(value: str) -> str:
    """A value as the chain writes it (``"`` → ``\\"``)."""
    return value.replace('"', '\\"')


@dataclass
class Compound:
    """One compound selector (``button.cta#buy[data-x="1"]``): constraints on one element."""

    tag: str | None = None
    classes: set[str] = field(default_factory=set)
    attributes: dict[str, str] = field(default_factory=dict)  # chain key → value
    direct_child_of_next: bool = False  # the next compound (towards the root) is the parent


_COMPOUND = re.compile(
    r"""
    (?P<tag>\*|[A-Za-z][A-Za-z0-9\-]*)?
    (?P<rest>(?:
        \.(?:[^.#\[\]:\s>\\]|\\.)+
      | \#(?:[^.#\[\]:\s>\\]|\\.)+
      | \[\s*[A-Za-z_][\w\-]*\s*=\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\]\s"']+)\s*\]
      | :nth-child\(\s*\d+\s*\)
    )*)
    $""",
    re.VERBOSE,
)
_PIECE = re.compile(
    r"""
      \.(?P<cls>(?:[^.#\[\]:\s>\\]|\\.)+)
    | \#(?P<id>(?:[^.#\[\]:\s>\\]|\\.)+)
    | \[\s*(?P<key>[A-Za-z_][\w\-]*)\s*=\s*
        (?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>[^\]\s"']+))\s*\]
    | :nth-child\(\s*(?P<nth>\d+)\s*\)
    """,
    re.VERBOSE,
)
_UNESCAPE = re.compile(r"\\(.)")


def _chain_key(attribute: str) -> str:
    # The chain stores the id as ``attr_id``, a link's target as ``href``, every other
    # HTML attribute as ``attr__<name>``.
    if attribute == "id":
        return "attr_id"
    if attribute in ("href", "text"):
        return attribute
    return attribute if attribute.startswith("attr__") else f"attr__{attribute}"


def _tokens(selector: str) -> list[str]:
    """Compounds and ``>`` combinators; spaces inside ``[...]`` and quotes kept."""
    tokens: list[str] = []
    current: list[str] = []
    quote: str | None = None
    depth = 0
    for char in selector:
        if quote:
            current.append(char)
            if char == quote and (len(current) < 2 or current[-2] != "\\"):
                quote = None
            continue
        if char in "\"'" and depth:
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        if depth == 0 and (char.isspace() or char == ">"):
            if current:
                tokens.append("".join(current))
                current = []
            if char == ">":
                tokens.append(">")
            continue
        current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _compound(text: str, selector: str) -> Compound:
    found = _COMPOUND.match(text)
    if not found or not text:
        raise QueryError(
            f"Selector {selector[:200]!r} is not supported: use tag names, .classes, #ids, "
            '[attribute="value"], :nth-child(n), descendant spaces and ">".'
        )
    compound = Compound(tag=found["tag"] if found["tag"] not in (None, "*") else None)
    for piece in _PIECE.finditer(found["rest"]):
        if piece["cls"] is not None:
            compound.classes.add(_UNESCAPE.sub(r"\1", piece["cls"]))
        elif piece["id"] is not None:
            compound.attributes["attr_id"] = _UNESCAPE.sub(r"\1", piece["id"])
        elif piece["key"] is not None:
            raw = (
                piece["dq"]
                if piece["dq"] is not None
                else piece["sq"]
                if piece["sq"] is not None
                else piece["bare"]
            )
            compound.attributes[_chain_key(piece["key"])] = _UNESCAPE.sub(r"\1", raw or "")
        else:
            compound.attributes["nth-child"] = str(int(piece["nth"]))
    return compound


def parse_selector(selector: str) -> list[Compound]:
    """The compounds of ``selector``, the matched element first, then its ancestors."""
    tokens = _tokens(selector.strip())
    if not tokens or tokens[0] == ">" or tokens[-1] == ">":
        raise QueryError(f"Selector {selector[:200]!r} is not a valid CSS selector.")
    compounds: list[Compound] = []
    direct = False
    for token in tokens:
        if token == ">":
            if direct:
                raise QueryError(f"Selector {selector[:200]!r} is not a valid CSS selector.")
            direct = True
            continue
        compound = _compound(token, selector)
        if compounds:
            compound.direct_child_of_next = direct
        compounds.append(compound)
        direct = False
    # Each compound's flag says it is a direct child of the one written before it, which
    # after reversing is the next one: the chain's order (element first, then ancestors).
    compounds.reverse()
    return compounds


def _any_order(pieces: list[str], gap: str) -> str:
    """``pieces`` in sequence with ``gap`` before each, in any order: SDKs sort classes and
    attributes, but not all with the same collation. Past 4 pieces, sorted order only."""
    orders = itertools.permutations(pieces) if len(pieces) <= 4 else [tuple(pieces)]
    options = ["".join(gap + piece for piece in order) for order in orders]
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


def _element_pattern(compound: Compound) -> str:
    head = re2_escape(compound.tag) if compound.tag else _TAG
    classes = [f"\\.{re2_escape(name)}" for name in sorted(compound.classes)]
    pairs = [
        f'{re2_escape(key)}="{re2_escape(chain_escape(value))}"'
        for key, value in sorted(compound.attributes.items())
    ]
    head += _any_order(classes, f"(?:{_CLASS})*") + f"(?:{_CLASS})*:"
    return head + _any_order(pairs, f"(?:{_PAIR})*") + f"(?:{_PAIR})*"


def selector_regex(selector: str) -> str:
    """An RE2 pattern that holds when some element of the chain matches ``selector``."""
    compounds = parse_selector(selector)
    pattern = "(?:^|;)" + _element_pattern(compounds[0])
    for previous, compound in zip(compounds, compounds[1:], strict=False):
        pattern += ";" if previous.direct_child_of_next else f";(?:{_ANY_ELEMENT};)*"
        pattern += _element_pattern(compound)
    return pattern + "(?:;|$)"


def tag_name_regex(tag_name: str) -> str:
    """Some element of the chain has this tag."""
    return f"(?:^|;){re2_escape(tag_name)}[.:]"


def attribute_regex(key: str, value: str, matching: str) -> str:
    """Some element's ``key`` (``text``/``href``) equals, contains (case-insensitive, as in
    PostHog) or matches ``value``; a regex is applied to the whole quoted value."""
    start = f'(?:^|[:;]|[^\\\\]"){re2_escape(key)}="'
    if matching == "regex":
        return f'{start}(?:{value})"'
    if matching == "contains":
        return f'(?i){start}(?:[^"\\\\]|\\\\.)*{re2_escape(chain_escape(value))}(?:[^"\\\\]|\\\\.)*"'
    return f'{start}{re2_escape(chain_escape(value))}"'


# Element property filters (``type: "element"``): the operators PostHog allows per key.
_ELEMENT_OPERATORS = {
    "selector": ("exact", "is_not"),
    "tag_name": ("exact", "is_not"),
    "text": ("exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "is_set", "is_not_set"),
    "href": ("exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "is_set", "is_not_set"),
}
_NEGATED = frozenset({"is_not", "not_icontains", "not_regex", "is_not_set"})
_MATCHING_OF = {"exact": "exact", "is_not": "exact", "icontains": "contains", "not_icontains": "contains"}


def element_patterns(key: str, operator: str, value: Any) -> list[str]:
    """The patterns of an element filter (ORed; the caller negates for negative operators)."""
    allowed = _ELEMENT_OPERATORS.get(key)
    if allowed is None:
        raise QueryError(
            f"Element filters take the keys selector, tag_name, text or href, not {str(key)[:60]!r}.",
            attr="properties",
        )
    if operator not in allowed:
        raise QueryError(
            f"Element filters on {key} do not support the operator {operator!r}.", attr="properties"
        )
    if operator in ("is_set", "is_not_set"):
        return [f'(?:^|[:;]|[^\\\\]"){key}="(?:[^"\\\\]|\\\\.)+"']
    values = [str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]
    if key == "selector":
        return [selector_regex(v) for v in values]
    if key == "tag_name":
        return [tag_name_regex(v) for v in values]
    return [attribute_regex(key, v, _MATCHING_OF.get(operator, "regex")) for v in values]


def element_condition(key: str, operator: str, value: Any, add: Callable[[str], str]) -> str:
    """0/1 SQL for an element filter over ``elements_chain``; ``add`` binds a pattern."""
    patterns = element_patterns(key, operator, value)
    negate = operator in _NEGATED
    if not patterns:  # nothing to look for: no event has it, every event lacks it
        return "1" if negate else "0"
    matches = " OR ".join(f"match(elements_chain, {add(p)})" for p in patterns)
    return f"NOT ({matches})" if negate else f"({matches})"
