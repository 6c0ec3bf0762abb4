"""Settings, read from the environment with safe production defaults.

With no environment at all (a fresh clone), development secrets are generated once
under ``var/`` so every ``bahali`` command works; nothing secret is ever committed.
Debug is off unless ``BAHALI_DEBUG`` asks for it; HTTPS-only cookies, HSTS and the
TLS redirect are on unless ``BAHALI_HTTPS=0``, which ``bahali serve`` (plain HTTP) defaults to.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.utils.translation import gettext_lazy as _

from bahali.settings.secrets import audit_keys, field_keys, load_or_create_secret

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

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "bahali.core",
    "bahali.audit",
    "bahali.geography",
    "bahali.organisations",
    "bahali.accounts",
    "bahali.registry",
    "bahali.programmes",
    "bahali.cases",
    "bahali.casework",
    "bahali.assessments",
    "bahali.referrals",
    "bahali.aftercare",
    "bahali.grievances",
    "bahali.prevention",
    "bahali.communities",
    "bahali.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bahali.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bahali.accounts.middleware.ActiveMembershipMiddleware",
    "bahali.core.middleware.AddressValuesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bahali.core.middleware.ConflictMiddleware",
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
else:
    # No DECLARE ... WITH HOLD behind every choice list (several ms each), and safe behind a
    # transaction-pooling proxy; whole-table reads page by key (bahali.core.batches).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# One cache for every worker process and server: what it counts (the public grievance form's
# submissions per address) must not reset per process. A table in the database (created by
# the core app's migration), so no other service is needed.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bahali_cache",
    }
}

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

# Lock-out: this many failed sign-ins in a row lock the account for the given minutes.
BAHALI_LOCKOUT_THRESHOLD = int(os.environ.get("BAHALI_LOCKOUT_THRESHOLD", "5"))
BAHALI_LOCKOUT_MINUTES = int(os.environ.get("BAHALI_LOCKOUT_MINUTES", "15"))
# API tokens expire after this many days unless revoked earlier.
BAHALI_API_TOKEN_DAYS = int(os.environ.get("BAHALI_API_TOKEN_DAYS", "90"))

# Sessions end after 30 minutes without activity and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("BAHALI_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
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
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BAHALI_LOG_LEVEL", "INFO")},
}

NINJA_PAGINATION_PER_PAGE = 50
