"""Benchmark cases, one module per insight area; each defines ``CASES: list[Case]``."""
