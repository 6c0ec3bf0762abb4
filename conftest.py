"""Shared fixtures for every test in the repository."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bahali.accounts.roles import Role
from bahali.testing import TEST_PASSWORD, make_member


@pytest.fixture
def member(db: Any) -> Callable[..., Any]:
    """``member(Role.CASE_WORKER, organisation=...)`` → a user with that role."""
    return make_member


@pytest.fixture
def signed_in(client: Client) -> Callable[[Any], Client]:
    """``signed_in(user)`` → the test client, signed in through the real sign-in page."""

    def sign_in(user: Any) -> Client:
        response = client.post(
            "/accounts/sign-in/", {"username": user.username, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302, response.content[:500]
        return client

    return sign_in


ALL_ROLES = list(Role)
