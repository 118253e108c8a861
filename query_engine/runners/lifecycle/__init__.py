"""Lifecycle: new, returning, resurrecting and dormant actors per interval."""
