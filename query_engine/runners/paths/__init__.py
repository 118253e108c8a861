"""Paths: options, SQL builder, edge post-processing and the runner."""
