"""Stateless web processes with Redis (``REDIS_URL``): sessions, the cache and the rate limits
live in Redis, so two server processes serve one signed-in user and count one client's
failures together; ``/readyz`` reports Redis.

Against the real Redis at ``$BAHALI_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``):
skipped when none answers. The two-process test starts two gunicorn processes on the test
database, so it needs one they can reach: PostgreSQL (SQLite's test database lives in the
test process's memory).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.sessions.models import Session
from django.db import connection

from bahali.accounts.roles import Role
from bahali.jobs.services import become_worker
from bahali.testing import TEST_PASSWORD, make_member, one_time_code

REDIS_URL = os.environ.get("BAHALI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_answers(REDIS_URL), reason=f"no Redis answers at {REDIS_URL}"
)


def redis_cache(location: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"bahali-test-{uuid.uuid4().hex[:8]}",
        }
    }


@needs_redis
@pytest.mark.django_db
def test_readyz_reports_redis(client, settings):
    settings.CACHES = redis_cache(REDIS_URL)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    become_worker()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["redis"] == {"ok": True, "detail": ""}


@pytest.mark.django_db
def test_readyz_unavailable_when_redis_is_down(client, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = redis_cache(f"redis://127.0.0.1:{port}/0")
    become_worker()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"ok": False, "detail": "ConnectionError"}


@pytest.mark.django_db
def test_readyz_names_no_redis_without_it(client):
    become_worker()
    assert "redis" not in client.get("/readyz").json()["checks"]


# --- two server processes ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_servers(tmp_path: Path, transactional_db: Any) -> Iterator[tuple[str, str]]:
    """Two gunicorn processes (one worker each) on the test database, sharing Redis."""
    if connection.vendor != "postgresql":
        pytest.skip("the server processes need a database they can reach: PostgreSQL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bahali.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "BAHALI_LOCKOUT_THRESHOLD": "5",
        "BAHALI_DB_CONN_MAX_AGE": "0",
    }
    servers, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        log = open(tmp_path / f"server-{name}.log", "wb")  # noqa: SIM115
        servers.append(
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "bahali.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "120",
                    "--no-control-socket",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 240  # a loaded machine boots Django slowly
        for url in urls:
            while True:
                try:
                    if requests.get(url + "/healthz", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    logs = [p.read_text() for p in sorted(tmp_path.glob("server-*.log"))]
                    raise AssertionError(f"the servers did not start: {logs}")
                time.sleep(0.3)
        yield urls[0], urls[1]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def post_form(browser: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """A form post as a browser sends it: the page's CSRF token, the page as referer."""
    page = browser.get(url, timeout=30, allow_redirects=False)
    token = CSRF.search(page.text)
    return browser.post(
        url,
        {**data, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": url},
        timeout=30,
        allow_redirects=False,
    )


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_two_server_processes_share_the_session_and_the_limits(two_servers, shipped_geography):
    import redis

    first, second = two_servers
    user = make_member(Role.PSYCHOLOGIST, username=f"redis-{uuid.uuid4().hex[:10]}")

    # Signed in on the first process (password, then a code) …
    browser = requests.Session()
    answer = post_form(
        browser,
        first + "/accounts/sign-in/",
        {"username": user.username, "password": TEST_PASSWORD},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/accounts/sign-in/code/"
    answer = post_form(browser, first + "/accounts/sign-in/code/", {"code": one_time_code(user)})
    assert answer.status_code == 302, answer.text[:500]

    # … the second process knows the session: it lives in Redis, not in the database.
    home = browser.get(second + "/", timeout=30, allow_redirects=False)
    assert home.status_code == 200
    assert 'data-testid="home-title"' in home.text
    session_key = browser.cookies["sessionid"]
    assert not Session.objects.filter(session_key=session_key).exists()
    store = redis.Redis.from_url(REDIS_URL)
    assert store.keys(f"bahali:1:django.contrib.sessions.cache{session_key}")

    # Signed out on the second, the first no longer knows it.
    token = CSRF.search(home.text) or re.search(r'"X-CSRFToken": "([^"]+)"', home.text)
    assert token is not None
    answer = browser.post(
        second + "/accounts/sign-out/",
        {"csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": second + "/"},
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code == 302
    assert not store.keys(f"bahali:1:django.contrib.sessions.cache{session_key}")
    assert browser.get(first + "/", timeout=30, allow_redirects=False).status_code == 302

    # Wrong passwords for one account from one address, alternately on each process: the
    # fifth locks the account for the address (BAHALI_LOCKOUT_THRESHOLD=5) — a count per
    # process would stand at three and two — and the right password is refused on either.
    target = make_member(Role.CASE_WORKER, username=f"redis-{uuid.uuid4().hex[:10]}")
    attacker = requests.Session()
    for n in range(5):
        server = (first, second)[n % 2]
        answer = post_form(
            attacker, server + "/accounts/sign-in/", {"username": target.username, "password": "x"}
        )
        assert answer.status_code == 400
    for server in (first, second):
        answer = post_form(
            attacker,
            server + "/accounts/sign-in/",
            {"username": target.username, "password": TEST_PASSWORD},
        )
        assert answer.status_code != 302, "the lock-out was not counted across both processes"
        assert "locked" in answer.text.lower() or "try again" in answer.text.lower()
