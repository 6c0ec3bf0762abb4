"""Signing in: Argon2, lock-out after repeated failures, idle sessions, clear refusals."""

from __future__ import annotations

import pytest
from django.conf import settings

from bahali import settings as production_settings
from bahali.accounts.models import User
from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM, acting_as
from bahali.testing import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _post(client, username, password):
    return client.post("/accounts/sign-in/", {"username": username, "password": password})


def test_production_hashes_passwords_with_argon2():
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sessions_expire_after_inactivity():
    assert settings.SESSION_COOKIE_AGE <= 3600
    assert settings.BAHALI_SESSION_TOUCH_SECONDS <= 60
    assert production_settings.SESSION_COOKIE_SECURE
    assert production_settings.CSRF_COOKIE_SECURE
    assert production_settings.SESSION_COOKIE_HTTPONLY


def test_sign_in_and_out(client, member):
    user = member(Role.SECURITY_LIAISON)  # a role signing in with its password alone
    response = _post(client, user.username, TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_in", actor=user).exists()
    client.post("/accounts/sign-out/")
    assert client.get("/").status_code == 302


def test_sign_in_follows_only_local_next(client, member):
    user = member(Role.SECURITY_LIAISON)  # a role signing in with its password alone
    response = client.post(
        "/accounts/sign-in/?next=https://evil.example/",
        {"username": user.username, "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password"),
    [("", ""), ("nobody", "whatever"), (None, "not the password")],
)
def test_bad_sign_in_is_refused_clearly(client, member, username, password):
    user = member(Role.CASE_WORKER)
    response = _post(client, user.username if username is None else username, password or "x")
    assert response.status_code == 400
    if username == "":
        assert "This field is required." in response.content.decode()
    else:
        assert "The username or password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_and_unknown_user_read_the_same(client, member):
    user = member(Role.CASE_WORKER)
    wrong = _post(client, user.username, "not the password").content.decode()
    unknown = _post(client, "no-such-user", "not the password").content.decode()
    assert "The username or password is not correct." in wrong
    assert "The username or password is not correct." in unknown


def test_repeated_failures_lock_the_account_for_that_address(client, member):
    """Guessing from one address locks the account there, not for its owner elsewhere."""
    user = member(Role.CASE_WORKER)
    for _ in range(settings.BAHALI_LOCKOUT_THRESHOLD):
        client.post(
            "/accounts/sign-in/",
            {"username": user.username, "password": "guess"},
            REMOTE_ADDR="203.0.113.9",
        )
    response = client.post(
        "/accounts/sign-in/",
        {"username": user.username, "password": TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sign_in_refused_locked").exists()
    user.refresh_from_db()
    assert not user.is_locked()
    elsewhere = _post(client, user.username, TEST_PASSWORD)
    assert elsewhere.status_code == 302


def test_success_resets_the_failure_count(client, member):
    user = member(Role.CASE_WORKER)
    _post(client, user.username, "guess")
    _post(client, user.username, TEST_PASSWORD)
    user.refresh_from_db()
    assert user.failed_logins == 0


def test_user_without_a_role_cannot_sign_in(client):
    user = UserFactory()
    response = _post(client, user.username, TEST_PASSWORD)
    assert response.status_code == 400
    assert "no active role" in response.content.decode()


def test_inactive_user_cannot_sign_in(client, member):
    user = member(Role.CASE_WORKER)
    with acting_as(SYSTEM):
        User.objects.filter(pk=user.pk).update(is_active=False)
    assert _post(client, user.username, TEST_PASSWORD).status_code == 400


def test_the_idle_expiry_slides_once_a_minute_not_at_every_page(client, member, monkeypatch):
    """A signed-in page saves the session (moving its expiry on) only when it was last saved
    a minute or more ago: no database write on every page, the idle limit kept."""
    import time

    from django.contrib.sessions.models import Session

    from bahali.core import middleware

    user = member(Role.SECURITY_LIAISON)
    _post(client, user.username, TEST_PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    first = Session.objects.get(session_key=key).expire_date
    now = time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: now + 30)
    assert client.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == first  # not saved again
    monkeypatch.setattr(middleware.time, "time", lambda: now + 90)
    assert client.get("/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > first  # the expiry moved on
    client.get("/accounts/sign-in/")  # an anonymous page after sign-out creates no session
    client.post("/accounts/sign-out/")
    before = Session.objects.count()
    client.get("/accounts/sign-in/")
    assert Session.objects.count() == before
