"""HogQL: PostHog's SQL dialect, parsed by ``hogql-parser-rs`` and compiled here to
team-guarded ClickHouse SQL with every value a bound parameter (``compile.py``)."""
