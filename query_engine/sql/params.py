"""A parameter collector that hands out ``{pN:Type}`` placeholders."""

from __future__ import annotations

from typing import Any

# Types a placeholder may declare; anything else is a programming error.
TYPES = {
    "UInt64",
    "Bool",
    "String",
    "Int64",
    "Float64",
    "UInt8",
    "Array(String)",
    "Array(Float64)",
    "DateTime64(6, 'UTC')",
    "Array(DateTime64(6, 'UTC'))",
}


class Params:
    """Collects bound values; ``add`` returns the placeholder to put in SQL text."""

    def __init__(self, prefix: str = "p") -> None:
        self.prefix = prefix
        self.values: dict[str, Any] = {}

    def add(self, value: Any, type_: str = "String") -> str:
        if type_ not in TYPES:
            raise ValueError(f"unsupported parameter type {type_!r}")
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = value
        return "{" + f"{name}:{type_}" + "}"

    def named(self, name: str, value: Any, type_: str) -> str:
        """A fixed-name parameter (team id, time zone …); re-adding keeps the first value."""
        if type_ not in TYPES:
            raise ValueError(f"unsupported parameter type {type_!r}")
        self.values.setdefault(name, value)
        return "{" + f"{name}:{type_}" + "}"
