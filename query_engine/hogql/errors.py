"""HogQL errors: a message plus the character span of the query it is about."""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError


class HogQLError(QueryError):
    """A query the compiler refused; ``start``/``end`` are character offsets (or None)."""

    default_code = "hogql_query_error"

    def __init__(
        self,
        detail: str,
        *,
        start: int | None = None,
        end: int | None = None,
        attr: str | None = "query",
        code: str | None = None,
    ) -> None:
        super().__init__(detail, attr=attr, code=code)
        self.start = start
        self.end = end

    def position(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end}

    def at(self, node: Any) -> HogQLError:
        """This error placed at ``node``'s span unless it already has one."""
        if self.start is None and node is not None:
            self.start, self.end = getattr(node, "start", None), getattr(node, "end", None)
        return self


class HogQLSyntaxError(HogQLError):
    default_code = "hogql_syntax_error"
