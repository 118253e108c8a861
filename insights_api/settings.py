"""Settings, read from the environment.

With nothing set the server runs embedded: SQLite and chDB under ``var/``, an
in-process cache and an in-process Celery worker. Production sets
DATABASE_URL, CLICKHOUSE_URL and REDIS_URL.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url

from insights_api.env import (
    ConfigurationError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    persistent_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("INSIGHTS_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("INSIGHTS_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and env_str("DATABASE_URL") and not TESTING:
        raise ConfigurationError("SECRET_KEY must be set when DEBUG is off and DATABASE_URL is set")
    SECRET_KEY = persistent_secret_key(VAR_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "tenancy",
    "analytics",
    "access_control",
    "query_engine",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Bodies too big, JSON too deep, integers past 64 bits, NUL characters: 413/400 up front.
    "insights_api.request_limits.RequestLimitsMiddleware",
    # Serves Swagger UI and the browsable API's assets without a separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Embedded mode: invalidations made by other processes (management commands) apply first.
    "insights_api.local_invalidation.LocalInvalidationMiddleware",
    # Repeated cached-results insight retrieves skip the view (analytics.response_cache).
    "analytics.response_cache.middleware.InsightResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # X-Frame-Options: DENY everywhere but /embedded/ (xframe_options_exempt there).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Request shapes refused before a view runs (insights_api.request_limits).
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 5 * 1024 * 1024)
REQUEST_MAX_JSON_DEPTH = env_int("REQUEST_MAX_JSON_DEPTH", 64)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

ROOT_URLCONF = "insights_api.urls"
WSGI_APPLICATION = "insights_api.wsgi.application"
ASGI_APPLICATION = "insights_api.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --- Metadata database -----------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# A hung PostgreSQL answers 503 within seconds (insights_api.store_failures); 0 turns a limit off.
# Migrations may legitimately run long: the statement limit is for serving.
DB_CONNECT_TIMEOUT_SECONDS = env_int("DB_CONNECT_TIMEOUT_SECONDS", 3)
DB_STATEMENT_TIMEOUT_SECONDS = (
    0 if sys.argv[1:2] == ["migrate"] else env_int("DB_STATEMENT_TIMEOUT_SECONDS", 5)
)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        if DB_CONNECT_TIMEOUT_SECONDS:
            _options.setdefault("connect_timeout", max(2, DB_CONNECT_TIMEOUT_SECONDS))
        if DB_STATEMENT_TIMEOUT_SECONDS:
            _options["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_SECONDS * 1000}"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "insights.sqlite3"),
            # Opening the file and running the PRAGMA cost ~2 ms per request; keep it open.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"

# --- Event store (ClickHouse) ----------------------------------------------
CLICKHOUSE_URL = env_str("CLICKHOUSE_URL")
CLICKHOUSE_DATABASE = env_str("CLICKHOUSE_DATABASE", "insights")
# A ClickHouse cluster's name: migrate_clickhouse creates replicated + Distributed tables on
# it (query_engine/schema/cluster.py) and queries get the settings Distributed tables need.
CLICKHOUSE_CLUSTER = env_str("CLICKHOUSE_CLUSTER")
CHDB_PATH = env_str("CHDB_PATH") or str(VAR_DIR / "chdb")
# Embedded statements run side by side on up to this many chDB sessions (one data directory,
# one process); 1 runs them one at a time.
CHDB_CONNECTIONS = env_int("CHDB_CONNECTIONS", 4)
# Sync ingestion's journal (chDB only) to disk before answering a batch: survives an OS
# crash, at the cost of an fsync per group of batches. Off like ClickHouse's own inserts.
INGEST_JOURNAL_FSYNC = env_bool("INGEST_JOURNAL_FSYNC", False)
CLICKHOUSE_MAX_EXECUTION_TIME = env_int("CLICKHOUSE_MAX_EXECUTION_TIME", 60)
# Every client query runs with these (query_engine/backends/query_limits.py); past one the
# client gets a 400 naming the setting instead of a worker holding gigabytes.
CLICKHOUSE_MAX_MEMORY_USAGE = env_int("CLICKHOUSE_MAX_MEMORY_USAGE", 2 * 1024**3)
CLICKHOUSE_MAX_RESULT_ROWS = env_int("CLICKHOUSE_MAX_RESULT_ROWS", 1_000_000)
CLICKHOUSE_MAX_RESULT_BYTES = env_int("CLICKHOUSE_MAX_RESULT_BYTES", 256 * 1024**2)
# Event properties queries read often get their own column (query_engine/materialized):
# read this many times in the window, at most this many columns; the catalog of columns is
# re-read this often; usage counts are written out this often.
PROPERTY_COLUMNS_AUTO = env_bool("PROPERTY_COLUMNS_AUTO", True)
PROPERTY_COLUMNS_MIN_USES = env_int("PROPERTY_COLUMNS_MIN_USES", 100)
PROPERTY_COLUMNS_WINDOW_DAYS = env_int("PROPERTY_COLUMNS_WINDOW_DAYS", 7)
PROPERTY_COLUMNS_MAX = env_int("PROPERTY_COLUMNS_MAX", 50)
PROPERTY_COLUMNS_CATALOG_SECONDS = env_float("PROPERTY_COLUMNS_CATALOG_SECONDS", 30.0)
PROPERTY_USAGE_FLUSH_SECONDS = env_float("PROPERTY_USAGE_FLUSH_SECONDS", 60.0)
# Person overrides are folded into events.person_id this often (analytics/ingestion/
# override_squash.py; 0: never), this many distinct ids per ALTER TABLE … UPDATE.
PERSON_OVERRIDES_SQUASH_SECONDS = env_float("PERSON_OVERRIDES_SQUASH_SECONDS", 300.0)
PERSON_OVERRIDES_SQUASH_BATCH = env_int("PERSON_OVERRIDES_SQUASH_BATCH", 100_000)
# Folded rows are deleted this long after their events were rewritten (negative: the longest
# time limit a statement runs under, so no statement that began before sees neither).
PERSON_OVERRIDES_SQUASH_GRACE_SECONDS = env_float("PERSON_OVERRIDES_SQUASH_GRACE_SECONDS", -1.0)

# --- Cache and broker --------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Redis refused or hung: a command gives up after this, and Redis is skipped for
# CACHE_RETRY_SECONDS (insights_api.store_failures) so requests answer without it.
REDIS_SOCKET_TIMEOUT_SECONDS = env_float("REDIS_SOCKET_TIMEOUT_SECONDS", 0.5)
CACHE_RETRY_SECONDS = env_float("CACHE_RETRY_SECONDS", 2.0)
HEALTH_CHECK_TIMEOUT_SECONDS = env_float("HEALTH_CHECK_TIMEOUT_SECONDS", 2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "insights_api.redis_cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "insights"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "insights"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Publishing to a hung broker fails within a second (the view answers 503) instead of retrying.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": max(1.0, REDIS_SOCKET_TIMEOUT_SECONDS),
    "socket_timeout": max(1.0, REDIS_SOCKET_TIMEOUT_SECONDS),
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# chDB allows one process: without a ClickHouse server the web process runs the worker
# (consuming from Redis when REDIS_URL is set). With a server, run `celery -A insights_api worker`.
CELERY_EMBEDDED_WORKER = env_bool("CELERY_EMBEDDED_WORKER", not CLICKHOUSE_URL)
EMBEDDED_WORKER_THREADS = env_int("EMBEDDED_WORKER_THREADS", 2)
# `celery -A insights_api beat`: dynamic cohorts calculated over 15 minutes ago are recalculated.
CELERY_BEAT_SCHEDULE = {
    "refresh-stale-cohorts": {"task": "analytics.refresh_stale_cohorts", "schedule": 60.0},
    "squash-person-overrides": {
        "task": "analytics.squash_person_overrides",
        "schedule": PERSON_OVERRIDES_SQUASH_SECONDS or 300.0,
    },
}

# --- Auth, API --------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
SESSION_COOKIE_HTTPONLY = True

THROTTLE_BURST = env_str("THROTTLE_BURST_RATE", "240/min")
THROTTLE_SUSTAINED = env_str("THROTTLE_SUSTAINED_RATE", "1200/hour")
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access_control.authentication.PersonalAPIKeyAuthentication",
        "access_control.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        # ?format=csv on every route PostHog offers it on (api.md §11)
        "analytics.renderers.FlatCSVRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "analytics.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {"burst": THROTTLE_BURST, "sustained": THROTTLE_SUSTAINED},
    "EXCEPTION_HANDLER": "insights_api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "URL_FORMAT_OVERRIDE": "format",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "insights-api",
    "DESCRIPTION": "PostHog-compatible insights API: insight CRUD, trends, funnels, retention, paths, "
    "stickiness, lifecycle, and the query endpoint.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A nullable enum is the enum marked nullable, not a oneOf with a NullEnum component
    # (openapi-generator emits invalid Python for NullEnum).
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "insights_api.openapi.postprocess",
    ],
}

CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(batch|capture|e|i/v0/e|track|engage|s|decide|flags|array)(/.*)?$"
# posthog-js may send credentials; the origin is then mirrored instead of "*".
CORS_ALLOW_CREDENTIALS = True

# --- Queries ------------------------------------------------------------------
QUERY_TIMEOUT_SECONDS = {
    "default": env_int("QUERY_TIMEOUT_SECONDS", 60),
}
# ClickHouse max_execution_time per query kind (trends, stickiness, lifecycle).
QUERY_TIMEOUT_SECONDS.update(
    {
        "TrendsQuery": env_int("TRENDS_TIMEOUT_SECONDS", QUERY_TIMEOUT_SECONDS["default"]),
        "StickinessQuery": env_int("STICKINESS_TIMEOUT_SECONDS", QUERY_TIMEOUT_SECONDS["default"]),
        "LifecycleQuery": env_int("LIFECYCLE_TIMEOUT_SECONDS", QUERY_TIMEOUT_SECONDS["default"]),
    }
)
# Result size bounds checked before a query runs (query_engine/limits.py): a node asking
# for more is a 400 naming the setting.
# Trends/stickiness/lifecycle: series x breakdown values (breakdown_limit + other) x buckets.
QUERY_MAX_RESULT_CELLS = env_int("QUERY_MAX_RESULT_CELLS", 1_000_000)
QUERY_MAX_RETENTION_INTERVALS = env_int("QUERY_MAX_RETENTION_INTERVALS", 1000)
QUERY_MAX_PATHS_EDGES = env_int("QUERY_MAX_PATHS_EDGES", 10_000)
QUERY_MAX_ACTORS_ROWS = env_int("QUERY_MAX_ACTORS_ROWS", 50_000)
CACHE_VERSION = env_str("QUERY_CACHE_VERSION", "1")
REFRESH_LOCK_SECONDS = env_float("REFRESH_LOCK_SECONDS", 120.0)
# A worker renews a running job's lease; a job whose lease runs out lost its worker and fails
# (query_engine/refresh/lease.py).
QUERY_LEASE_SECONDS = env_float("QUERY_LEASE_SECONDS", 20.0)
# How long creating an export waits for its CSV before answering (has_content false until then).
EXPORT_WAIT_SECONDS = env_float("EXPORT_WAIT_SECONDS", 10.0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# Only needed for collectstatic; WhiteNoise serves from the apps' folders.
STATIC_ROOT = env_str("STATIC_ROOT") or None
# Serve straight from the installed apps' static folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
