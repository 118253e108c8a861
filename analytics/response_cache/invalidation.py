"""What changes the generations: every metadata write, and every results or status write.

Rather than list the models an insight response shows (insight, tags, tiles,
dashboards, privileges, access rules, users, memberships, keys, team…), every save
and delete of every model of the apps that hold them changes a generation: the
team's when the row names one, else the global one. A model added later is covered
without anyone remembering to add it here.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from analytics.response_cache import generations
from query_engine.refresh.cache import results_changed

APPS = ("tenancy", "analytics", "access_control", "auth")
M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}


def _team_of(instance: Any) -> int | None:
    if instance._meta.label == "tenancy.Team":
        return instance.pk
    return getattr(instance, "team_id", None)


def _row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    generations.bump(_team_of(instance))


def _relation_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in M2M_ACTIONS:
        generations.bump(_team_of(instance))


def _results_changed(sender: Any, team_id: int, **kwargs: Any) -> None:
    generations.bump(team_id, on_commit=False)


def connect() -> None:
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for signal in (post_save, post_delete):
                uid = f"response_cache_{model._meta.label}_{signal}"
                signal.connect(_row_changed, sender=model, dispatch_uid=uid)
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _relation_changed,
                    sender=field.remote_field.through,
                    dispatch_uid=f"response_cache_m2m_{model._meta.label}_{field.name}",
                )
    results_changed.connect(_results_changed, dispatch_uid="response_cache_results")
