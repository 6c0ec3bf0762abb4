"""Bearer-token authentication for the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from bahali.accounts.middleware import choose_active_organisation
from bahali.accounts.services import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bhl_…``; the token's user acts for their first organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None or not user.active_memberships():
            return None
        choose_active_organisation(user)
        request.user = user
        return user
