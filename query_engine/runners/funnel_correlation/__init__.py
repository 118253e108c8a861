"""Funnel correlation: which events and properties go with converting (engine.md §4)."""
