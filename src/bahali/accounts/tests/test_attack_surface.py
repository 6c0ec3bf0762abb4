"""Sign-in and tokens as an attacker meets them: the same work and answer for known and
unknown usernames, lock-outs per account and address, per-address rates, no-store answers."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import override_settings

from bahali.accounts.models import User
from bahali.accounts.roles import Role
from bahali.testing import TEST_PASSWORD, token_request

pytestmark = pytest.mark.django_db


def _post(client, username, password, address="198.51.100.7"):
    return client.post(
        "/accounts/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _token(client, username, password, address="198.51.100.7"):
    user = User.objects.filter(username=username).first()
    body = {"username": username, "password": password}
    if user is not None and password == TEST_PASSWORD:
        body = token_request(user)  # with the one-time code its role asks for
    return client.post(
        "/api/v1/auth/token",
        body,
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def _verifications(call):
    """How many password verifications ``call()`` runs (Argon2 in production: the slow,
    timing-revealing step); the tests' settings use a fast hasher of the same shape."""
    hasher = type(get_hasher("default"))
    with mock.patch.object(hasher, "verify", autospec=True, side_effect=hasher.verify) as verify:
        call()
    return verify.call_count


def test_known_and_unknown_users_cost_one_verification_each(client, member):
    user = member(Role.CASE_WORKER)
    assert _verifications(lambda: _post(client, user.username, "wrong")) == 1
    assert _verifications(lambda: _post(client, "nobody-here", "wrong")) == 1
    assert _verifications(lambda: _token(client, user.username, "wrong")) == 1
    assert _verifications(lambda: _token(client, "nobody-here", "wrong")) == 1


@override_settings(BAHALI_LOCKOUT_THRESHOLD=2)
def test_an_unknown_username_locks_exactly_as_a_real_one(client, member):
    user = member(Role.CASE_WORKER)
    answers = {}
    for name in (user.username, "no-such-person"):
        for _ in range(2):
            _post(client, name, "guess")
        count = _verifications(
            lambda name=name: answers.__setitem__(name, _token(client, name, "x"))
        )
        assert count == 1  # a locked account still costs a verification
    known, unknown = answers[user.username], answers["no-such-person"]
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    assert "locked" in known.json()["error"]["message"]


@override_settings(BAHALI_LOCKOUT_THRESHOLD=100, BAHALI_ACCOUNT_LOCKOUT_THRESHOLD=3)
def test_failures_from_many_addresses_lock_the_account_itself(client, member):
    user = member(Role.CASE_WORKER)
    for number in range(3):
        _post(client, user.username, "guess", address=f"192.0.2.{number + 1}")
    user.refresh_from_db()
    assert user.is_locked()
    response = _post(client, user.username, TEST_PASSWORD, address="192.0.2.200")
    assert response.status_code == 400 and "locked" in response.content.decode()


@override_settings(BAHALI_ADDRESS_LOCKOUT_THRESHOLD=3)
def test_guessing_many_accounts_from_one_address_locks_the_address(client, member):
    user = member(Role.CASE_WORKER)
    for name in ("amina", "bilal", "gul"):
        _post(client, name, "Password123!")
    refused = _post(client, user.username, TEST_PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert _post(client, user.username, TEST_PASSWORD, address="198.51.100.8").status_code == 302


@override_settings(BAHALI_SIGN_IN_RATE=3, BAHALI_TOKEN_RATE=100)
def test_sign_in_attempts_per_address_are_rate_limited(client, member):
    user = member(Role.CASE_WORKER)
    for _ in range(3):
        assert _token(client, user.username, TEST_PASSWORD).status_code == 201
    limited = _token(client, user.username, TEST_PASSWORD)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "too_many_requests"
    assert _token(client, user.username, TEST_PASSWORD, address="198.51.100.9").status_code == 201


@override_settings(BAHALI_TOKEN_RATE=2)
def test_token_creation_per_address_is_rate_limited(client, member, signed_in):
    user = member(Role.CASE_WORKER)
    assert _token(client, user.username, TEST_PASSWORD).status_code == 201
    assert _token(client, user.username, TEST_PASSWORD).status_code == 201
    assert _token(client, user.username, TEST_PASSWORD).status_code == 429


@override_settings(BAHALI_TRUSTED_PROXIES=["10.0.0.0/8"], BAHALI_LOCKOUT_THRESHOLD=2)
def test_behind_a_trusted_proxy_the_forwarded_address_is_locked_not_the_proxy(client, member):
    user = member(Role.CASE_WORKER)
    for _ in range(2):
        client.post(
            "/accounts/sign-in/",
            {"username": user.username, "password": "guess"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )
    other = client.post(
        "/accounts/sign-in/",
        {"username": user.username, "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.51",
    )
    assert other.status_code == 302


def test_identity_pages_and_answers_are_never_stored(client, member, signed_in):
    sign_in_page = client.get("/accounts/sign-in/")
    assert "no-store" in sign_in_page["Cache-Control"]
    user = member(Role.CASE_WORKER)
    token = _token(client, user.username, TEST_PASSWORD)
    assert "no-store" in token["Cache-Control"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    assert me.status_code == 200 and "no-store" in me["Cache-Control"]
    listing = client.get(
        "/api/v1/participants", HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}"
    )
    assert "no-store" in listing["Cache-Control"]
    signed_in(user)
    for url in ("/", "/participants/", "/cases/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_public_pages_for_anonymous_visitors_are_not_forced_to_no_store(client):
    assert "no-store" not in client.get("/grievance/").get("Cache-Control", "")


@override_settings(BAHALI_TRUSTED_PROXIES=["10.0.0.1"])
def test_the_public_grievance_form_limits_each_client_behind_the_proxy(client):
    from bahali.grievances.views import PUBLIC_LIMIT

    def submit(forwarded, peer="10.0.0.1"):
        response = client.post("/grievance/", {}, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
        return 'data-testid="rate-limited"' in response.content.decode()

    assert not any(submit("203.0.113.1") for _ in range(PUBLIC_LIMIT))
    assert submit("203.0.113.1")
    assert not submit("203.0.113.2")  # another member of the public has their own allowance
    # from an untrusted peer the header is ignored: the peer's own address is counted
    assert not any(submit(f"203.0.113.{n}", peer="198.51.100.3") for n in range(PUBLIC_LIMIT))
    assert submit("203.0.113.99", peer="198.51.100.3")
