"""gunicorn settings for ``bin/serve`` and the Docker image.

Used as ``gunicorn -c python:insights_api.gunicorn_conf``.

Everything comes from the environment, with the defaults the README lists. A stopping
worker finishes its requests (up to ``graceful_timeout``), then stops cleanly
(``insights_api.shutdown``): journal written, chDB closed, exit 0.
"""

from __future__ import annotations

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# chDB's data directory belongs to one process: one worker unless a ClickHouse server is used.
workers = int(os.environ.get("WEB_WORKERS", "1" if not os.environ.get("CLICKHOUSE_URL") else "4"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
wsgi_app = "insights_api.wsgi:application"


def worker_exit(server, worker) -> None:
    from insights_api.shutdown import clean_stop

    clean_stop()
