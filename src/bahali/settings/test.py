"""Test settings: the production settings with fast hashing and plain HTTP."""

import os
import tempfile
from pathlib import Path

from bahali.settings import *  # noqa: F403
from bahali.settings import DATABASES, STORAGES

# Argon2 stays the production hasher (a test checks it); tests hash quickly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A test sees its own writes on the evidence pages (the benchmarks keep figures as production)
EVIDENCE_FIGURES_MAX_AGE = int(os.environ.get("BAHALI_EVIDENCE_FIGURES_MAX_AGE", "0"))
# Jobs run in-process, at once, inside the test's transaction (tests of the worker itself
# switch to the database backend).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
BAHALI_JOB_DIR = Path(tempfile.mkdtemp(prefix="bahali-test-jobs-"))

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # A test database is thrown away: its commits need not wait for the disk. Browser tests
    # commit every write (no wrapping transaction), hundreds per test.
    # (after the production planner options: the suite plans as production does)
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c synchronous_commit=off").strip()
    # The audit tables refuse TRUNCATE; this backend lets the test suite's flush through
    # (see its docstring). Production settings never name it.
    DATABASES["default"]["ENGINE"] = "bahali.audit.flushable_postgresql"

# Every test signs in from 127.0.0.1, and live-server tests keep the cache table between
# tests (a flush leaves it): per-address rates that would trip on the suite's own sign-ins
# and the lock-out of an address for any accounts
# are raised here; the tests of the limits set their own (accounts/tests/test_attack_surface.py).
BAHALI_SIGN_IN_RATE = 100_000
BAHALI_TOKEN_RATE = 100_000
BAHALI_ADDRESS_LOCKOUT_THRESHOLD = 1_000
