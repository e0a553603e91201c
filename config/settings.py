"""Settings, read from the environment (see README "Configuration" and docs/CLI.md).

Defaults give the embedded mode: a SQLite file in the project folder and tasks run eagerly.
With debug off the process refuses to start without a real secret key and allowed hosts.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("APP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Reads a boolean variable: 1/true/yes/on and 0/false/no/off, anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1, not {raw!r}")


DEMO_SECRET_KEY = "demo-insecure-key-for-local-use-only"  # noqa: S105 - refused when debug is off
DEBUG = env_bool("DJANGO_DEBUG", False)
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG:
    SECRET_KEY = SECRET_KEY or DEMO_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if len(SECRET_KEY) < 32 or SECRET_KEY == DEMO_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 32 characters when DJANGO_DEBUG=0"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the served host names when DJANGO_DEBUG=0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "graphene_django",
    "oauth2_provider",
    "schedule",
    "django_celery_results",
    "django_htmx",
    "csp",
    "axes",
    "marketplace",
    "booking",
    "booking.notifications",
    "matching",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page (config/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "marketplace.User"
LOGIN_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on the database lock instead of failing with "database is locked" (docs/ARCHITECTURE.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"  # Django's, timestamps parsed in C (its docstring)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Password guessing (django-axes, records in the database, so every process and machine shares them):
# 10 failures for one account, each within 15 minutes of the one before, lock that account for 15
# minutes, the right password too, on /login/, /admin/login/ and (per client) /o/token/. Only the
# account is locked, never the address, so a shared address (a community centre) is not shut out.
# District staff unlock in the admin (Axes → Access attempts) or with `manage.py axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that locking by username alone could be bypassed by rotating the browser: not so here,
# the failures of every address and browser add up per username. Locking an address would shut out
# everyone behind one (a community centre, a mobile carrier's NAT), which issue 11 rules out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# Guesses during a lock-out do not extend it: the owner gets the account back 15 minutes later.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # no log of every sign-in's address and browser (personal data)
AXES_SENSITIVE_PARAMETERS = ["password", "client_secret", "code", "code_verifier", "refresh_token",
                             "csrfmiddlewaretoken"]
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # marketplace/admin_lockouts.py registers it for district staff instead
# OAuth2 for client apps, following RFC 9700 (the OAuth 2.0 Security BCP): no implicit or password
# grants, PKCE with S256 only, tokens hashed at rest, refresh-token replay revokes the family, exact
# https (or the apps' own custom-scheme) redirect URIs; plain http only in debug.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ALLOW_URI_WILDCARDS": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": (["http"] if DEBUG else [])
    + ["https"]
    + [s.strip() for s in os.environ.get("OAUTH_APP_SCHEMES", "").split(",") if s.strip()],
    "SCOPES": {"read": _("Read"), "write": _("Write")},
    "DEFAULT_SCOPES": ["read", "write"],
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# A verified bearer token is kept this many seconds in each web process (core/graphql/auth.py): a
# revocation elsewhere is honoured within them, an expiry at once. 0 verifies every request.
BEARER_TOKEN_CACHE_SECONDS = float(os.environ.get("BEARER_TOKEN_CACHE_SECONDS", "5"))

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Static files are served by the app itself (WhiteNoise), so a web node needs no separate file server;
# finders also serve the apps' files before `collectstatic` has run (the demo, the tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from this site (the
# SVG charts are inline markup, the favicon and GraphiQL's fonts are data: URIs); no inline script or
# style anywhere, no plugins, no framing. GraphiQL (debug only) loads from the static files too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_FILESYSTEM_DIR = VAR_DIR / "broker"

# --- Caches (rate limits, idempotency windows) ------------------------------------------------
# Shared by every process and machine, so a limit of 60 is 60 however many gunicorn workers run:
# Redis through CACHE_URL in production; without it the database (table `django_cache`, made by
# `migrate`). A per-process cache (`locmem://`, `dummy://`) only with debug on: refused otherwise.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
CACHE_TABLE = "django_cache"
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL in ("", "db://"):
    CACHES = {"default": {"BACKEND": "config.cache.SharedDatabaseCache", "LOCATION": CACHE_TABLE}}
elif CACHE_URL in ("locmem://", "dummy://"):
    if not DEBUG:
        raise ImproperlyConfigured(
            f"CACHE_URL={CACHE_URL} keeps rate limits per process; with DJANGO_DEBUG=0 use redis://... or "
            "leave CACHE_URL unset (the database cache)")
    kind = "locmem.LocMemCache" if CACHE_URL == "locmem://" else "dummy.DummyCache"
    CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{kind}"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must be redis://..., db://, locmem:// or dummy://, not {CACHE_URL!r}")

# --- GraphQL --------------------------------------------------------------------------------
GRAPHENE = {
    "SCHEMA": "config.schema.schema",
    "SCHEMA_OUTPUT": "schema.graphql",
    "SCHEMA_INDENT": 2,
    "RELAY_CONNECTION_MAX_LIMIT": 100,
}

# --- Live updates (core/live): GraphQL subscriptions over SSE at POST /graphql/stream ----------------------
# The broker: Redis pub/sub in production (`redis://…`, any number of web machines); by default a SQLite
# event log in VAR_DIR, which needs no server and reaches across the processes of one machine.
LIVE_BROKER_URL = os.environ.get("LIVE_BROKER_URL", "")
# Where pages open live updates; "" when no ASGI stream process serves /graphql/stream (pages then update on reload).
LIVE_STREAM_URL = os.environ.get("LIVE_STREAM_URL", "/graphql/stream")
LIVE_CHANNEL_PREFIX = os.environ.get("LIVE_CHANNEL_PREFIX", "live:")
LIVE_KEEPALIVE_SECONDS = float(os.environ.get("LIVE_KEEPALIVE_SECONDS", "12"))
LIVE_MAX_STREAMS_PER_USER = int(os.environ.get("LIVE_MAX_STREAMS_PER_USER", "8"))
LIVE_MAX_STREAMS_PER_PROCESS = int(os.environ.get("LIVE_MAX_STREAMS_PER_PROCESS", "2000"))
LIVE_WORKER_THREADS = int(os.environ.get("LIVE_WORKER_THREADS", "8"))
LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "0.2"))
LIVE_BACKOFF_SECONDS = float(os.environ.get("LIVE_BACKOFF_SECONDS", "5"))  # publishing pauses after a failure
LIVE_OPEN_OPERATION = "core.graphql.streaming.open_operation"
# One re-read per event for the streams that would get the same answer (core/live/sharing.py); 0: per stream
LIVE_SHARE_ANSWERS = os.environ.get("LIVE_SHARE_ANSWERS", "1") != "0"

# --- The district -----------------------------------------------------------------------------
# The service area's bounding box (GCJ-02). The default covers Beijing's central districts, so the
# demo at city scale (tiles around Xicheng) fits; a deployment narrows it to its own district.
DISTRICT_BBOX = {
    "min_lat": float(os.environ.get("DISTRICT_MIN_LAT", "39.55")),
    "max_lat": float(os.environ.get("DISTRICT_MAX_LAT", "40.30")),
    "min_lon": float(os.environ.get("DISTRICT_MIN_LON", "115.95")),
    "max_lon": float(os.environ.get("DISTRICT_MAX_LON", "116.80")),
}

# --- Logging: JSON lines in production (machine-readable), plain lines in debug -----------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Task results (whole solver parts) are not log material; failures still log at ERROR.
        "celery.app.trace": {"level": "WARNING"},
        # django-axes logs every step of a failed sign-in at INFO; lock-outs stay (WARNING).
        "axes": {"level": "WARNING"},
    },
}

# Periodic jobs (one beat). Apps add their entries here; each job holds a singleton lock.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
CELERY_BEAT_SCHEDULE["sweep-notification-outbox"] = {
    "task": "booking.notifications.tasks.sweep_outbox_task", "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["reap-match-runs"] = {"task": "matching.tasks.reap_match_runs_task", "schedule": 60.0}

# Booking (booking/tasks.py): slots stored 8 weeks ahead; unused quota returns 24 h before a slot.
BOOKING_HORIZON_DAYS = int(os.environ.get("BOOKING_HORIZON_DAYS", "56"))
BOOKING_QUOTA_RELEASE_HOURS = float(os.environ.get("BOOKING_QUOTA_RELEASE_HOURS", "24"))
CELERY_BEAT_SCHEDULE["materialise-slots"] = {"task": "booking.tasks.materialise_slots_task", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["release-quota"] = {"task": "booking.tasks.release_quota_task", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["expire-bookings"] = {"task": "booking.tasks.expire_bookings_task", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["mark-no-shows"] = {"task": "booking.tasks.mark_no_shows_task", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["send-reminders"] = {"task": "booking.tasks.send_reminders_task", "schedule": 900.0}
CELERY_BEAT_SCHEDULE["extend-standing-bookings"] = {"task": "booking.tasks.extend_standing_bookings_task",
                                                    "schedule": 3600.0}

# Personal data (marketplace/tasks.py): booking rows keep no plate, note or check-in code after this.
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "180"))
CELERY_BEAT_SCHEDULE["anonymise-personal-data"] = {
    "task": "booking.tasks.anonymise_personal_data_task", "schedule": 24 * 3600.0,
}
# A task message started more often than this (its worker died each time) is given up (config/celery.py).
CELERY_MAX_DELIVERIES = int(os.environ.get("CELERY_MAX_DELIVERIES", "5"))
CELERY_BEAT_SCHEDULE["purge-task-deliveries"] = {
    "task": "marketplace.tasks.purge_task_deliveries_task", "schedule": 24 * 3600.0,
}
CELERY_BEAT_SCHEDULE["purge-notification-outbox"] = {
    "task": "booking.notifications.tasks.purge_outbox_task", "schedule": 24 * 3600.0,
}
