"""errortrack settings: every value comes from the environment, with defaults that work.

Two modes share one code path:
- embedded (default): no REDIS_URL. SQLite file under ERRORTRACK_DATA_DIR, in-process digest loop
  and scheduler, in-memory cache and channel layer. `make run` needs nothing else.
- scale-out: REDIS_URL set. Requires a PostgreSQL DATABASE_URL and an explicit SECRET_KEY; Celery
  workers and beat do the background work, channels-redis carries live updates.

Every secret may also be given as NAME_FILE (a path whose content is the value).
"""

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.FileAwareEnv()

DEBUG = env.bool("DEBUG", default=False)
DATA_DIR = Path(env.str("ERRORTRACK_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()
REDIS_URL = env.str("REDIS_URL", default="")
EMBEDDED = not REDIS_URL


def _env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; spaces after commas ("a, b") are the natural way to write one."""
    return [item.strip() for item in env.list(name, default=default) if item.strip()]


def _generated_secret_key(data_dir: Path) -> str:
    """Return the embedded-mode key kept in the data directory, creating it on first use."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # O_EXCL: two processes starting at once must not both write a different key.
        try:
            with open(path, "x", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(50))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip()


# --- Database -----------------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": str(DATA_DIR / "errortrack.sqlite3")}}
_db = DATABASES["default"]
IS_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"

if _db["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # WAL lets readers proceed while the digest writes; IMMEDIATE takes the write lock at
        # BEGIN so concurrent writers queue on busy_timeout instead of failing "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout="
                        f"{env.int('ERRORTRACK_SQLITE_BUSY_TIMEOUT_MS', 5000)};",
        "transaction_mode": "IMMEDIATE",
    }
    # A file (not :memory:) so the real server started by end-to-end tests can share it.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test_errortrack.sqlite3")}
elif IS_POSTGRES:
    # Under ASGI Django advises against persistent connections: use psycopg's pool instead.
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("ERRORTRACK_DB_POOL_MIN_SIZE", 1),
        "max_size": env.int("ERRORTRACK_DB_POOL_MAX_SIZE", 10),
        # Bounded waits, so an unreachable database fails readiness quickly instead of hanging.
        "timeout": env.float("ERRORTRACK_DB_POOL_TIMEOUT_SECONDS", 10.0),
    }
    _db["OPTIONS"].setdefault("connect_timeout", 5)
    # With the pool, Django checks each connection on checkout (psycopg's check_connection):
    # after a database restart the pool's old connections are dead, and readiness (and every
    # request) must recover by itself.
    _db["CONN_HEALTH_CHECKS"] = True
    # Parameters travel separately from the SQL (extended protocol). Client-side binding quoted
    # every 17 KB payload into the query text, which cost the consumer most of its CPU (py-spy).
    _db["OPTIONS"].setdefault("server_side_binding", True)

if not EMBEDDED and not IS_POSTGRES:
    raise ImproperlyConfigured(
        "REDIS_URL is set (scale-out mode), which requires a PostgreSQL DATABASE_URL such as "
        "postgres://user:password@host:5432/errortrack. Unset REDIS_URL for embedded mode (SQLite)."
    )

# --- Secrets, hosts, URLs -----------------------------------------------------------------------
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required in scale-out mode: every web and worker "
            "process must share it. Generate one with: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = _generated_secret_key(DATA_DIR)


def _default_base_url() -> str:
    """Where `serve` listens (HOST, PORT); a wildcard address is no URL, so use localhost."""
    host = env.str("HOST", default="127.0.0.1")
    host = "localhost" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (not a bind)
    return f"http://{host}:{env.int('PORT', default=8000)}"


BASE_URL = env.str("BASE_URL", default=_default_base_url()).rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in ("http", "https") or not _base.hostname:
    raise ImproperlyConfigured(f"BASE_URL must be an absolute http(s) URL, got {BASE_URL!r}")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS",
                          default=[_base.hostname, "localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS",
                                 default=[f"{_base.scheme}://{_base.netloc}"])
SECURE_PROXY_SSL_HEADER = (("HTTP_X_FORWARDED_PROTO", "https")
                           if env.bool("BEHIND_HTTPS_PROXY", default=False) else None)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _base.scheme == "https"

# --- Applications ---------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "errortrack",
    "alerts",
    "health",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "errortrack.middleware.refuse_nul_characters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Event data is hostile when rendered: besides autoescaping, scripts run only from our own
# static files (no inline script, no eval), and no page can be framed.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF], "script-src": [SELF], "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"], "connect-src": [SELF], "font-src": [SELF],
    "object-src": [NONE], "base-uri": [SELF], "form-action": [SELF],
    "frame-ancestors": [NONE]}}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
ROOT_URLCONF = "errortrack.urls"
ASGI_APPLICATION = "errortrack.asgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True
# Static files (the admin's, the UI's) are served from the apps by errortrack.asgi, so there is no
# collectstatic step; a proxy in front may serve STATIC_ROOT instead after `collectstatic`.
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# --- Cache, channel layer, Celery -----------------------------------------------------------------
if EMBEDDED:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS: dict[str, dict[str, object]] = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": "errortrack"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [REDIS_URL], "prefix": "errortrack"}}}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves it for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# Processes per Celery worker (each digests batches of inbox items).
CELERY_WORKER_CONCURRENCY = env.int("ERRORTRACK_WORKER_CONCURRENCY", 2)
ERRORTRACK_WORKER_NICE = env.int("ERRORTRACK_WORKER_NICE", 10)

# --- Email ----------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"errortrack@{_base.hostname}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "errortrack.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["errortrack.api.permissions.HasScope"],
    "EXCEPTION_HANDLER": "errortrack.api.errors.handle",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["errortrack.api.renderers.FastJSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "errortrack API",
    "DESCRIPTION": "Sentry's web API, as errortrack answers it (under /api/0/).",
    "VERSION": "0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from this server, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Product knobs (ERRORTRACK_*; each is documented in the README) -------------------------------
ERRORTRACK_WEB_WORKERS = env.int("ERRORTRACK_WEB_WORKERS", 2)
ERRORTRACK_HEARTBEAT_INTERVAL_SECONDS = env.int("ERRORTRACK_HEARTBEAT_INTERVAL_SECONDS", 30)
ERRORTRACK_DEFAULT_KEY_RATE_LIMIT = env.int("ERRORTRACK_DEFAULT_KEY_RATE_LIMIT", 0)
# Ingest limits, Relay's defaults: bytes as sent, bytes decompressed, one event item, items.
ERRORTRACK_MAX_BODY_BYTES = env.int("ERRORTRACK_MAX_BODY_BYTES", 20 * 1024 * 1024)
ERRORTRACK_MAX_DECODED_BYTES = env.int("ERRORTRACK_MAX_DECODED_BYTES", 100 * 1024 * 1024)
ERRORTRACK_MAX_EVENT_BYTES = env.int("ERRORTRACK_MAX_EVENT_BYTES", 1024 * 1024)
ERRORTRACK_MAX_ATTACHMENT_BYTES = env.int("ERRORTRACK_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
ERRORTRACK_MAX_ENVELOPE_ITEMS = env.int("ERRORTRACK_MAX_ENVELOPE_ITEMS", 1000)
ERRORTRACK_KEY_CACHE_SECONDS = env.int("ERRORTRACK_KEY_CACHE_SECONDS", 30)
ERRORTRACK_TRUSTED_PROXY_COUNT = env.int("ERRORTRACK_TRUSTED_PROXY_COUNT", 0)
ERRORTRACK_CONSUME_BATCH_SIZE = env.int("ERRORTRACK_CONSUME_BATCH_SIZE", 100)
ERRORTRACK_CONSUME_INTERVAL_SECONDS = env.float("ERRORTRACK_CONSUME_INTERVAL_SECONDS", 5.0)
ERRORTRACK_INBOX_MAX_ATTEMPTS = env.int("ERRORTRACK_INBOX_MAX_ATTEMPTS", 3)
ERRORTRACK_DOORBELL_COALESCE_SECONDS = env.float("ERRORTRACK_DOORBELL_COALESCE_SECONDS", 0.05)
ERRORTRACK_EVENT_RETENTION_DAYS = env.int("ERRORTRACK_EVENT_RETENTION_DAYS", 90)
ERRORTRACK_RETENTION_INTERVAL_SECONDS = env.float("ERRORTRACK_RETENTION_INTERVAL_SECONDS", 3600)
# Per-project event rate limit (0: none); generous by default, keys may set their own.
ERRORTRACK_PROJECT_RATE_LIMIT = env.int("ERRORTRACK_PROJECT_RATE_LIMIT", 120_000)
ERRORTRACK_PROJECT_RATE_LIMIT_WINDOW_SECONDS = env.int(
    "ERRORTRACK_PROJECT_RATE_LIMIT_WINDOW_SECONDS", 60)

# Health and metrics. Readiness fails when a required heartbeat (comma list; empty: none, e.g.
# for web pods whose routing should not depend on the workers) is older than the stale age.
ERRORTRACK_READY_HEARTBEATS = _env_list("ERRORTRACK_READY_HEARTBEATS", ["scheduler", "digest"])
ERRORTRACK_HEARTBEAT_STALE_SECONDS = env.float("ERRORTRACK_HEARTBEAT_STALE_SECONDS", 120.0)
ERRORTRACK_READY_MAX_INBOX_LAG_SECONDS = env.float("ERRORTRACK_READY_MAX_INBOX_LAG_SECONDS",
                                                   300.0)
ERRORTRACK_READY_MAX_QUARANTINED = env.int("ERRORTRACK_READY_MAX_QUARANTINED", 1000)
ERRORTRACK_READY_MIN_FREE_DISK_MB = env.int("ERRORTRACK_READY_MIN_FREE_DISK_MB", 200)
ERRORTRACK_METRICS_TOKEN = env.str("ERRORTRACK_METRICS_TOKEN", default="")  # or …_FILE

# Alerts: delivery retries (kept in Delivery rows), outbound HTTP, PagerDuty's endpoint.
ERRORTRACK_DELIVERY_INTERVAL_SECONDS = env.float("ERRORTRACK_DELIVERY_INTERVAL_SECONDS", 5.0)
ERRORTRACK_RATE_RULES_INTERVAL_SECONDS = env.float("ERRORTRACK_RATE_RULES_INTERVAL_SECONDS", 30.0)
ERRORTRACK_DELIVERY_MAX_ATTEMPTS = env.int("ERRORTRACK_DELIVERY_MAX_ATTEMPTS", 5)
ERRORTRACK_DELIVERY_RETRY_BASE_SECONDS = env.float("ERRORTRACK_DELIVERY_RETRY_BASE_SECONDS", 30.0)
ERRORTRACK_OUTBOUND_TIMEOUT_SECONDS = env.float("ERRORTRACK_OUTBOUND_TIMEOUT_SECONDS", 10.0)
# Hosts or networks (CIDR) notifications may reach although they are not public addresses.
ERRORTRACK_OUTBOUND_ALLOWLIST = _env_list("ERRORTRACK_OUTBOUND_ALLOWLIST", [])
ERRORTRACK_PAGERDUTY_EVENTS_URL = env.str("ERRORTRACK_PAGERDUTY_EVENTS_URL",
                                          default="https://events.pagerduty.com/v2/enqueue")

# Monitors (health.uptime, health.crons): how often the schedulers look for due work, the
# shortest uptime interval a monitor may have (tests lower it), and how long history is kept.
ERRORTRACK_UPTIME_SCHEDULER_INTERVAL_SECONDS = env.float(
    "ERRORTRACK_UPTIME_SCHEDULER_INTERVAL_SECONDS", 5.0)
ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS = env.int("ERRORTRACK_UPTIME_MIN_INTERVAL_SECONDS", 30)
ERRORTRACK_UPTIME_MAX_TIMEOUT_SECONDS = env.float("ERRORTRACK_UPTIME_MAX_TIMEOUT_SECONDS", 60.0)
ERRORTRACK_UPTIME_PROBE_CONCURRENCY = env.int("ERRORTRACK_UPTIME_PROBE_CONCURRENCY", 8)
ERRORTRACK_UPTIME_HISTORY_DAYS = env.int("ERRORTRACK_UPTIME_HISTORY_DAYS", 30)
ERRORTRACK_CRON_SCHEDULER_INTERVAL_SECONDS = env.float(
    "ERRORTRACK_CRON_SCHEDULER_INTERVAL_SECONDS", 15.0)
ERRORTRACK_CRON_HISTORY_DAYS = env.int("ERRORTRACK_CRON_HISTORY_DAYS", 90)

# --- Logging --------------------------------------------------------------------------------------
LOGGING: dict[str, Any] = {  # typed, so what reads it (serve's log level) is checked
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Self-monitoring ------------------------------------------------------------------------------
# errortrack's own errors, reported with sentry-sdk (to another errortrack, Sentry, or itself).
# sentry-sdk reads SENTRY_ENVIRONMENT and SENTRY_RELEASE itself.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from errortrack.runtime.selfmonitor import start as _start_self_monitoring

    _start_self_monitoring(SENTRY_DSN)
