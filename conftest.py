"""Per-process test resources.

chDB allows one process per data directory, so each xdist worker gets its own
chDB directory (and, against shared servers, its own ClickHouse database and
Redis database). The backend and caches open lazily, after this runs.
"""

import os
import tempfile

os.environ["INSIGHTS_TESTING"] = "1"
os.environ.setdefault("INSIGHTS_VAR_DIR", tempfile.mkdtemp(prefix="insights-test-"))


def pytest_configure(config) -> None:
    from django.conf import settings

    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    root = tempfile.mkdtemp(prefix=f"insights-test-{worker}-")
    settings.VAR_DIR = root
    settings.CHDB_PATH = os.path.join(root, "chdb")
    # Columns appear only where a test asks for them (tests/test_property_columns.py), so the
    # SQL other tests see does not depend on what earlier tests read.
    settings.PROPERTY_COLUMNS_AUTO = False
    settings.PROPERTY_USAGE_FLUSH_SECONDS = float("inf")  # written only where a test asks
    settings.PERSON_OVERRIDES_SQUASH_SECONDS = 0  # squashed only where a test asks
    if worker == "main":
        return
    index = int(worker.removeprefix("gw") or 0)
    if settings.CLICKHOUSE_URL:
        settings.CLICKHOUSE_DATABASE = f"{settings.CLICKHOUSE_DATABASE}_test_{worker}"
    if settings.REDIS_URL:
        # Tests clear the cache between them; workers must not clear each other's.
        # Worker N uses database (base + N), so parallel runs can pick separate bases.
        base, _, db = settings.REDIS_URL.rpartition("/")
        settings.REDIS_URL = f"{base}/{int(db or 0) + index}"
        settings.CACHES["default"]["LOCATION"] = settings.REDIS_URL
        settings.CELERY_BROKER_URL = settings.REDIS_URL
