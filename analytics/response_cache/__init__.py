"""Rendered insight responses served without the view, while nothing they depend on changed.

A cached-results retrieve (``GET …/insights/:id/`` under ``force_cache``) renders the
same bytes for the same key until an insight, its tags, tiles, dashboards, access rules,
the caller's membership, the team or its cached results change. ``middleware`` stores
what the view rendered and serves it again after checking the key, its scopes and rate
limits; ``generations`` tells it whether anything changed; ``invalidation`` is what
changes the generations.
"""
