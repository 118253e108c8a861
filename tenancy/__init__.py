"""Users, organizations, memberships, projects and teams (environments).

The tables kept the ``analytics_*`` names they had before this app existed, so moving the models
here changed no data (see migrations/0001_initial.py).
"""
