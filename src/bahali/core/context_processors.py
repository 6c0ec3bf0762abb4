from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bahali.core.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": items_for(user, request.path),
        "nav_memberships": user.active_memberships(),
        "nav_active_organisation": user.active_organisation,
    }
