"""API tokens: issued on the profile page or the API, stored hashed, listed and revocable."""

from __future__ import annotations

import hashlib

import pytest

from bahali.accounts.models import ApiToken
from bahali.accounts.roles import Role
from bahali.testing import token_request

pytestmark = pytest.mark.django_db


def test_profile_creates_a_token_shown_once_and_stored_hashed(member, signed_in):
    user = member(Role.PSYCHOLOGIST)
    client = signed_in(user)
    response = client.post("/accounts/profile/tokens/", {"name": "tablet 3"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    secret = response.context["new_secret"]
    assert secret.startswith("bhl_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values_list().get(pk=token.pk))
    page = client.get("/accounts/profile/").content.decode()
    assert "tablet 3" in page and secret not in page


def test_token_name_is_required(member, signed_in):
    client = signed_in(member(Role.PSYCHOLOGIST))
    response = client.post("/accounts/profile/tokens/", {"name": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_htmx_request_gets_the_partial(member, signed_in):
    client = signed_in(member(Role.PSYCHOLOGIST))
    response = client.post("/accounts/profile/tokens/", {"name": "script"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"new-token-secret" in response.content


def test_revoked_token_stops_working(client, member, signed_in):
    user = member(Role.PSYCHOLOGIST)
    response = client.post(
        "/api/v1/auth/token",
        token_request(user, name="laptop"),
        content_type="application/json",
    )
    secret = response.json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    signed_in(user).post(f"/accounts/profile/tokens/{ApiToken.objects.get().pk}/revoke/")
    assert client.get("/api/v1/me", **auth).status_code == 401


def test_cannot_revoke_someone_elses_token(member, signed_in, client):
    owner = member(Role.PSYCHOLOGIST)
    response = client.post(
        "/api/v1/auth/token",
        token_request(owner),
        content_type="application/json",
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(user=owner)
    other = signed_in(member(Role.PSYCHOLOGIST))
    assert other.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
