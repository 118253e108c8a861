"""Retention: options, window, SQL builder, result rows and the runner."""
