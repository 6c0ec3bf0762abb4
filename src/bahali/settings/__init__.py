"""Settings, read from the environment with safe production defaults.

With no environment at all (a fresh clone), development secrets are generated once
under ``var/`` so every ``bahali`` command works; nothing secret is ever committed.
Debug is off unless ``BAHALI_DEBUG`` asks for it; HTTPS-only cookies, HSTS and the
TLS redirect are on unless ``BAHALI_HTTPS=0``, which ``bahali serve`` (plain HTTP) defaults to.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django.conf.locale
from django.utils.translation import gettext_lazy as _

from bahali.settings.secrets import audit_keys, backup_keys, field_keys, load_or_create_secret

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _project_root() -> Path:
    """The clone's root when running from a checkout, else the working directory."""
    candidate = PACKAGE_DIR.parent.parent
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PROJECT_ROOT = _project_root()
VAR_DIR = Path(os.environ.get("BAHALI_VAR_DIR", PROJECT_ROOT / "var"))

DEBUG = env_bool("BAHALI_DEBUG", False)
SECRET_KEY = os.environ.get("BAHALI_SECRET_KEY") or load_or_create_secret(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("BAHALI_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("BAHALI_CSRF_TRUSTED_ORIGINS", "")

# Field encryption (AES-GCM) and blind-index keys: "kid:base64key,..." with the active id.
FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_ACTIVE_KEY, BLIND_INDEX_KEY = field_keys(VAR_DIR)
# Audit chain seals (HMAC, "kid:base64key,..." with the active id) and the checkpoint signing
# key (Ed25519): kept outside the database, so rows cannot be re-sealed or re-signed from it.
AUDIT_KEYS, AUDIT_KEY_ACTIVE, AUDIT_SIGNING_KEY = audit_keys(VAR_DIR)
# Backup encryption keys (AES-256-GCM, "kid:base64key,..."): archives name the id, never a key.
BACKUP_KEYS, BACKUP_KEY_ACTIVE = backup_keys(VAR_DIR)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "bahali.core",
    "bahali.audit",
    "bahali.geography",
    "bahali.organisations",
    "bahali.accounts",
    "bahali.jobs",
    "bahali.registry",
    "bahali.programmes",
    "bahali.cases",
    "bahali.intake",
    "bahali.casework",
    "bahali.assessments",
    "bahali.referrals",
    "bahali.aftercare",
    "bahali.grievances",
    "bahali.field",
    "bahali.imports",
    "bahali.prevention",
    "bahali.communities",
    "bahali.evidence",
    "bahali.disclosures",
    "bahali.retention",
    "bahali.rights",
    "bahali.api",
    "bahali.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bahali.core.middleware.ContentSecurityPolicyMiddleware",
    "bahali.ops.middleware.RequestMetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bahali.core.middleware.SessionTouchMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bahali.accounts.middleware.ActiveMembershipMiddleware",
    "bahali.accounts.middleware.SecondFactorMiddleware",
    "bahali.core.middleware.AddressValuesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bahali.core.middleware.ConflictMiddleware",
    "bahali.core.middleware.NoStoreMiddleware",
    "bahali.core.once.FormTokenMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bahali.core.middleware.SealErrorMiddleware",
]

ROOT_URLCONF = "bahali.urls"
WSGI_APPLICATION = "bahali.wsgi.application"

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
                "bahali.core.context_processors.navigation",
            ],
            "builtins": ["bahali.core.templatetags.dates"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'bahali.sqlite3'}",
        conn_max_age=int(os.environ.get("BAHALI_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Covering indexes (INCLUDE columns) are a PostgreSQL optimisation; SQLite builds the
    # index without them, which is all the development database needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    # No DECLARE ... WITH HOLD behind every choice list (several ms each), and safe behind a
    # transaction-pooling proxy; whole-table reads page by key (bahali.core.batches).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # After a database restart or failover a kept connection is dead: check it before a
    # request reuses it (a reconnect instead of a failed request), and give up connecting
    # after a few seconds (a 503 "try again", bahali.ops.views.server_error, not a hang).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("BAHALI_DB_CONNECT_TIMEOUT", "5"))
    )
    # Each connection's planner settings (BAHALI_DB_SESSION_OPTIONS replaces them):
    # - many people at once on few cores: a query split over parallel workers builds its
    #   hash tables once per worker and starts processes for it, costing more CPU in all than
    #   it saves in one request's time (more requests served per second without, measured
    #   under the load test);
    # - the working set is in memory or on SSD: a row looked up by key costs about what a
    #   row read in sequence does (PostgreSQL's default assumes spinning disks, and reads a
    #   whole table rather than look a member's few hundred cases up by key).
    _session_options = os.environ.get(
        "BAHALI_DB_SESSION_OPTIONS", "-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"
    ).strip()
    if _session_options:
        DATABASES["default"]["OPTIONS"].setdefault("options", _session_options)
# Reports, dashboards and exports may read from a PostgreSQL streaming replica
# (bahali.ops.replica): only reads explicitly marked; everything else stays on the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("BAHALI_DB_CONN_MAX_AGE", "60")),
    )
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # the primary's connection settings (a timeout, the planner options) for the replica too
    _replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
    for _name, _value in DATABASES["default"].get("OPTIONS", {}).items():
        _replica_options.setdefault(_name, _value)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["bahali.ops.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# One cache for every worker process and server: what it counts (the public grievance form's
# submissions per address) must not reset per process. A table in the database (created by
# the core app's migration), so no other service is needed.
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bahali_cache",
        # Django's default (300 entries, then a third dropped) would drop claimed form
        # tokens and rate-limit counts along with kept figures. Past this many, expired
        # entries are deleted first; every write counts the table, so not much more (a
        # national installation sets REDIS_URL: docs/operations.md).
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("BAHALI_CACHE_MAX_ENTRIES", "50000"))},
    }
}

# Stateless web processes: with REDIS_URL, the cache (rate limits, counters) and sessions
# live in Redis (needs the "redis" package); without it, both are in the database. Nothing
# is kept in a web process's memory, so any process may answer any request.
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "bahali",
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock-out (safeguards): this many failed sign-ins for one account from one client address
# lock that account for that address for the given minutes; the account itself locks after
# BAHALI_ACCOUNT_LOCKOUT_THRESHOLD failures from anywhere, an address after
# BAHALI_ADDRESS_LOCKOUT_THRESHOLD failures for any accounts. BAHALI_SIGN_IN_RATE sign-in
# attempts and BAHALI_TOKEN_RATE token creations per address per minute, at most.
BAHALI_LOCKOUT_THRESHOLD = int(os.environ.get("BAHALI_LOCKOUT_THRESHOLD", "5"))
BAHALI_ACCOUNT_LOCKOUT_THRESHOLD = int(os.environ.get("BAHALI_ACCOUNT_LOCKOUT_THRESHOLD", "20"))
BAHALI_ADDRESS_LOCKOUT_THRESHOLD = int(os.environ.get("BAHALI_ADDRESS_LOCKOUT_THRESHOLD", "20"))
BAHALI_LOCKOUT_MINUTES = int(os.environ.get("BAHALI_LOCKOUT_MINUTES", "15"))
# Evidence pages keep their slowest aggregate figures this many seconds and say "as of"
# when (``bahali.core.snapshots``), as do the programme dashboards; 0 computes them afresh.
EVIDENCE_FIGURES_MAX_AGE = int(os.environ.get("BAHALI_EVIDENCE_FIGURES_MAX_AGE", "300"))
BAHALI_SIGN_IN_RATE = int(os.environ.get("BAHALI_SIGN_IN_RATE", "30"))
BAHALI_TOKEN_RATE = int(os.environ.get("BAHALI_TOKEN_RATE", "30"))
# Break-the-glass (cases.services.open_emergency_access): how long an emergency access lasts.
BAHALI_EMERGENCY_ACCESS_HOURS = int(os.environ.get("BAHALI_EMERGENCY_ACCESS_HOURS", "4"))
# Retention (bahali.retention): days after a withdrawal of consent to participate before the
# person's identity and notes are anonymised, unless a legal hold applies.
BAHALI_RETENTION_GRACE_DAYS = int(os.environ.get("BAHALI_RETENTION_GRACE_DAYS", "30"))
# Two-factor sign-in (accounts.services): wrong codes for one account before its second step
# is refused for BAHALI_LOCKOUT_MINUTES, and how long a correct password waits for the code.
BAHALI_SECOND_FACTOR_ATTEMPTS = int(os.environ.get("BAHALI_SECOND_FACTOR_ATTEMPTS", "5"))
BAHALI_SECOND_FACTOR_WAIT_SECONDS = 300
# django-otp: the name authenticator apps show; its own per-device back-off is off, the
# attempts are counted by bahali.core.throttle as every other sign-in failure is.
OTP_TOTP_ISSUER = "Bahali"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The client's address: REMOTE_ADDR, unless the peer is one of these proxies (addresses or
# networks, e.g. "127.0.0.1,10.0.0.0/8"); then the proxy's header names the client.
BAHALI_TRUSTED_PROXIES = env_list("BAHALI_TRUSTED_PROXIES", "")
BAHALI_CLIENT_ADDRESS_HEADER = os.environ.get("BAHALI_CLIENT_ADDRESS_HEADER", "X-Forwarded-For")
# API tokens expire after this many days unless revoked earlier.
# Background jobs (exports, imports, reports): django-tasks on the database, run by
# `bahali worker`; their results are sealed under var/jobs and kept this many days.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
BAHALI_JOB_DIR = Path(os.environ.get("BAHALI_JOB_DIR", VAR_DIR / "jobs"))
BAHALI_JOB_RESULT_DAYS = int(os.environ.get("BAHALI_JOB_RESULT_DAYS", "7"))

# Figures shown without access to the cases behind them, releases and exports hide counts
# below this (evidence; never below 3).
BAHALI_SMALL_CELL = int(os.environ.get("BAHALI_SMALL_CELL", "5"))

BAHALI_API_TOKEN_DAYS = int(os.environ.get("BAHALI_API_TOKEN_DAYS", "90"))

# Sessions end after 30 minutes without activity and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("BAHALI_SESSION_IDLE_SECONDS", "1800"))
# The idle expiry slides without a write on every page: a signed-in session is saved again
# once a minute at most (bahali.core.middleware.SessionTouchMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
BAHALI_SESSION_TOUCH_SECONDS = int(os.environ.get("BAHALI_SESSION_TOUCH_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

HTTPS = env_bool("BAHALI_HTTPS", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Languages: English, Urdu and Pashto; Urdu and Pashto are right-to-left. Django ships
# no Pashto entry, so it is declared here with its bidi flag.
django.conf.locale.LANG_INFO["ps"] = {
    "bidi": True,
    "code": "ps",
    "name": "Pashto",
    "name_local": "پښتو",
}
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ur", _("Urdu")), ("ps", _("Pashto"))]
# Which languages lay out right to left (templates ask through get_current_language_bidi);
# Django's default list lacks Pashto.
LANGUAGES_BIDI = ["ur", "ps", "ar", "fa"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
# Day, month name, year in every language (bahali/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["bahali.formats"]
TIME_ZONE = "Asia/Karachi"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
_NODE_MODULES = Path(os.environ.get("BAHALI_NODE_MODULES", PROJECT_ROOT / "node_modules"))
STATICFILES_DIRS = [
    ("vendor/bootstrap", _NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/noto-naskh-arabic", _NODE_MODULES / "@fontsource" / "noto-naskh-arabic"),
    # enketo-core bundled and enketo-transformer's stylesheets (`npm run build`, run by
    # `make install`): the browser's form engine (bahali.field.enketo)
    ("vendor/enketo", _NODE_MODULES / ".bahali" / "enketo"),
]
BAHALI_ENKETO_DIR = _NODE_MODULES / ".bahali" / "enketo"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Logs: one JSON object a line with the request's operation id (BAHALI_LOG_FORMAT=text for
# a terminal). See bahali.ops.logs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"operation": {"()": "bahali.ops.logs.OperationFilter"}},
    "formatters": {
        "json": {"()": "bahali.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(operation)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["operation"],
            "formatter": "text" if os.environ.get("BAHALI_LOG_FORMAT") == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("BAHALI_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own per-request lines duplicate bahali.requests (which has the operation).
        "django.server": {"level": "WARNING"},
    },
}

# Operations (bahali.ops): probes answer on plain HTTP too (a load balancer's health check
# reaches the server directly, not through TLS).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

NINJA_PAGINATION_PER_PAGE = 50
