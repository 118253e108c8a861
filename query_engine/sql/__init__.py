"""Pure SQL building: every function returns SQL text plus bound parameters.

Request text (event names, property keys and values, breakdown keys) only
ever reaches ClickHouse as a ``{name:Type}`` parameter; SQL text is built
from code-defined fragments.
"""
