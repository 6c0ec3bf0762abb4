"""Shared machinery of the per-area authorization tables (``test_authorization_*.py``).

Each table lists ``Endpoint`` rows; ``each_role`` calls one row as every role of a
``PathwayWorld`` (one user per role, in scope where the role allows), each call inside a
savepoint that is rolled back, and returns the calls whose status was not the expected one.
A table's world is built once per module (``module_world``): every call is rolled back, so
each test meets the world as it was built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from django.db import transaction
from django.test import Client

from bahali.accounts import services as accounts
from bahali.accounts.roles import Role
from bahali.testing import sign_in
from tests.test_authorization_matrix import Endpoint

W = TypeVar("W")


def module_world(build: Callable[[], W]) -> Any:
    """A module-scoped ``world`` fixture: ``build()`` runs once, inside a transaction that is
    rolled back when the module's tests are done. Each test runs in a savepoint within it
    (pytest-django's ``db``) and each role's call in a savepoint of its own, so no test sees
    another's writes; building the cast once instead of once per test halves the tables'
    time (pytest-django keeps connections open between tests to allow this)."""

    @pytest.fixture(scope="module")
    def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[W]:
        with django_db_blocker.unblock(), transaction.atomic():
            built = build()
            cast = getattr(built, "world", None)
            if hasattr(cast, "user_for"):
                sessions = {role: sign_in_once(cast.user_for(role)) for role in Role}
                tokens = {
                    role: accounts.issue_api_token(actor=cast.user_for(role), name="matrix").secret
                    for role in Role
                }
                object.__setattr__(built, "_signed_in", (sessions, tokens))
            yield built
            transaction.set_rollback(True)

    return world


def sign_in_once(user: Any) -> dict[str, str]:
    """Sign ``user`` in through the real sign-in page with a client of its own; return the
    cookies that carry the session. A table replays them for each call (every call is rolled
    back, so the session outlives them all) instead of signing in again per role and row."""
    client = Client()
    signed_in = sign_in(client, user)  # the password, then the code step when asked
    assert signed_in.status_code == 302, signed_in.content[:300]
    return {name: morsel.value for name, morsel in client.cookies.items()}


def page(
    name: str, method: str, url: Callable[[Any], str], allowed: set[Role], ok: int, **kw: Any
) -> Endpoint:
    return Endpoint(name, method, url, allowed, ok, **kw)


def api(
    name: str, method: str, url: Callable[[Any], str], allowed: set[Role], ok: int, **kw: Any
) -> Endpoint:
    kw.setdefault("anonymous", 401)
    return Endpoint(name, method, url, allowed, ok, api=True, **kw)


def call(client: Any, endpoint: Endpoint, world: Any, **headers: str) -> Any:
    method = getattr(client, endpoint.method)
    data = endpoint.data(world) if callable(endpoint.data) else endpoint.data or {}
    url = endpoint.url(world)
    if endpoint.api:
        return method(url, data, content_type="application/json", **headers)
    return method(url, data, **headers)


def each_role(client: Any, endpoint: Endpoint, world: Any) -> list[tuple[Role, int, int]]:
    """Call as every role (``world.world.user_for(role)``), each inside a rolled-back
    savepoint; return (role, expected, got) for every mismatch."""
    wrong = []
    signed_in = getattr(world, "_signed_in", None)
    for role in Role:
        user = world.world.user_for(role)
        with transaction.atomic():
            headers = {}
            if endpoint.api:
                secret = (
                    signed_in[1][role]
                    if signed_in
                    else accounts.issue_api_token(actor=user, name="matrix").secret
                )
                headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
            elif signed_in:
                for name, value in signed_in[0][role].items():
                    client.cookies[name] = value
            else:
                response = sign_in(client, user)
                assert response.status_code == 302
            response = call(client, endpoint, world, **headers)
            expected = endpoint.ok if role in endpoint.allowed else endpoint.denied
            if response.status_code != expected:
                wrong.append((role, expected, response.status_code))
            transaction.set_rollback(True)
        if signed_in:
            client.cookies.clear()  # not logout(): the session row must outlive this call
        else:
            client.logout()
    return wrong
