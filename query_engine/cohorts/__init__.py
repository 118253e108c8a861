"""Cohorts in the engine: definitions compiled to SQL over persons, membership stored in
ClickHouse (``cohortpeople``), and the ``cohort`` property filter and breakdown reading it.

The engine owns no cohort rows: the app registers a source returning the team's
cohorts (``source.register_cohort_source``), as it does for actions.
"""
