"""Communities as a user may reach them: the same list and getter for the pages and the API,
404 alike for "missing" and "out of your scope"."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.geography.models import Community

RESOURCE = "community_readiness"


def communities_visible_to(user: User, verb: str = "read") -> Any:
    """Communities whose committee, dialogues and readiness the user may ``verb``.

    ``Community`` belongs to geography, which knows nothing of committees; the scope lives
    here, with the app that gives communities their committees."""
    return policies.filter_visible(Community.objects.all(), user, RESOURCE, verb)


def get_community_for_user(user: User, pk: int, verb: str = "read") -> Community:
    """The community if the user may ``verb`` its committee, dialogues and readiness."""
    return get_object_or_404(
        communities_visible_to(user, verb).select_related("tehsil__district"), pk=pk
    )
