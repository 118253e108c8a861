"""Celery application. Tasks live next to what they compute (query_engine)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights_api.settings")

app = Celery("insights_api")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The query engine keeps its task in its refresh package.
app.autodiscover_tasks(["query_engine.refresh"])

# docker-compose's worker healthcheck reads the file this step touches (CELERY_LIVENESS_FILE).
from insights_api.worker_liveness import LivenessFile  # noqa: E402

app.steps["worker"].add(LivenessFile)
