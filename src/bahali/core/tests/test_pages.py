from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.core.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_home_renders_for_every_role_with_csp(member, signed_in):
    for role in Role:
        user = member(role)
        client = signed_in(user)
        response = client.get("/")
        assert response.status_code == 200, role
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert b'data-testid="work-card"' in response.content
        # what each role may see and do is on the profile, not on the home page
        assert b'data-testid="access-card"' not in response.content
        assert b'data-testid="access-card"' in client.get("/accounts/profile/").content
        client.post("/accounts/sign-out/")
