"""The API through the real HTTP stack: tokens, errors in one shape, read endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bahali.accounts.models import ApiToken
from bahali.accounts.roles import Role
from bahali.api.urls import api
from bahali.audit.models import AuditEvent
from bahali.testing import OrganisationFactory, token_request

pytestmark = pytest.mark.django_db

OPENAPI = Path(__file__).resolve().parents[4] / "docs" / "api" / "openapi.json"


def _token(client, user, **extra):
    response = client.post(
        "/api/v1/auth/token",
        token_request(user, **extra),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def _assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_token_exchange(client, member):
    user = member(Role.CASE_WORKER)
    body = _token(client, user, name="field tablet")
    assert body["token_type"] == "Bearer" and body["name"] == "field tablet"
    assert body["token"].startswith(body["prefix"])
    token = ApiToken.objects.get(user=user)
    assert token.key_hash != body["token"]
    event = AuditEvent.objects.filter(object_type="accounts.apitoken").get()
    assert event.source == "api" and event.actor == user
    assert body["token"] not in json.dumps(event.changes)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 422, "invalid"),
        ({"username": "x"}, 422, "invalid"),
        ({"username": "", "password": ""}, 422, "invalid"),
        ({"username": "someone", "password": 5}, 422, "invalid"),
        ({"username": "nobody", "password": "wrong"}, 401, "sign_in_refused"),
    ],
)
def test_bad_token_requests_write_nothing(client, member, payload, status, code):
    member(Role.CASE_WORKER)
    response = client.post("/api/v1/auth/token", payload, content_type="application/json")
    error = _assert_error_shape(response, status, code)
    if status == 422:
        assert error["details"] and all("field" in d for d in error["details"])
    assert not ApiToken.objects.exists()


def test_malformed_json_is_refused(client):
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    _assert_error_shape(response, 400, "bad_request")
    assert not ApiToken.objects.exists()


def test_wrong_password_for_real_user(client, member):
    user = member(Role.CASE_WORKER)
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": "wrong"},
        content_type="application/json",
    )
    _assert_error_shape(response, 401, "sign_in_refused")
    user.refresh_from_db()
    assert user.failed_logins == 1
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer nonsense", "Bearer bhl_forged", "Basic x"]
)
def test_endpoints_need_a_valid_token(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/me", **extra)
    _assert_error_shape(response, 401, "unauthenticated")


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    _assert_error_shape(response, 404, "not_found")


def test_me_and_organisations(client, member):
    user = member(Role.PROGRAMME_MANAGER)
    OrganisationFactory(name="Another org")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(client, user)['token']}"}
    me = client.get("/api/v1/me", **auth).json()
    assert me["username"] == user.username
    assert me["memberships"][0]["role"] == "programme_manager"
    assert me["memberships"][0]["districts"] == ["SWT"]
    listing = client.get("/api/v1/organisations", **auth).json()
    assert listing["count"] == 2
    assert {o["name"] for o in listing["items"]} >= {"Another org"}
    one = listing["items"][0]
    assert client.get(f"/api/v1/organisations/{one['id']}", **auth).json()["name"] == one["name"]
    _assert_error_shape(client.get("/api/v1/organisations/999999", **auth), 404, "not_found")


def test_tokens_list_and_revoke(client, member):
    user = member(Role.MENTOR)
    first = _token(client, user, name="one")
    second = _token(client, user, name="two")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {first['token']}"}
    names = [t["name"] for t in client.get("/api/v1/auth/tokens", **auth).json()]
    assert names == ["two", "one"]
    revoked = client.delete(f"/api/v1/auth/tokens/{second['id']}", **auth).json()
    assert revoked["revoked_at"] is not None
    other = member(Role.MENTOR)
    other_auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(client, other)['token']}"}
    response = client.delete(f"/api/v1/auth/tokens/{first['id']}", **other_auth)
    _assert_error_shape(response, 404, "not_found")


def test_openapi_document_is_served_and_committed(client):
    served = client.get("/api/v1/openapi.json").json()
    assert served["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in served["paths"]
    generated = api.get_openapi_schema(path_prefix="/api/v1/")
    committed = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(generated)), (
        "docs/api/openapi.json is stale: run `make openapi` and commit the result"
    )


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_api_schema_keeps_the_input_bounds():
    """Each app's API schemas derive from ``bahali.api.schemas.Schema``, which refuses control
    characters, years outside 1900–2100 and integers past 64 bits: one deriving from ninja's
    ``Schema`` directly would let them through to the database."""
    import ninja

    from bahali.api.schemas import Schema

    ours = [
        cls
        for cls in _subclasses(ninja.Schema)
        if cls.__module__.startswith("bahali.") and cls.__module__.endswith(".api")
    ]
    assert len(ours) > 50
    assert [cls for cls in ours if not issubclass(cls, Schema)] == []
