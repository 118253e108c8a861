"""Signals the query engine sends; the engine itself does not act on them."""

from django.dispatch import Signal

# A team's cached results or query statuses were written or deleted (``team_id``).
results_changed = Signal()
