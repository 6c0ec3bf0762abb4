"""Which organisation a signed-in user is acting for on this request, and the request's
remembered authorization answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from bahali.accounts import policies

SESSION_KEY = "bahali_active_organisation"


def choose_active_organisation(user: Any, wanted: object = None) -> None:
    """Set ``user.active_organisation``: the wanted one if the user has a role there, else
    the first.

    The active organisation is what the audit trail records the user as acting for; what
    the user may see still comes from all of their memberships (``policies``).
    """
    memberships = user.active_memberships()
    organisations = {m.organisation_id: m.organisation for m in memberships}
    if wanted in organisations:
        user.active_organisation = organisations[wanted]
    elif memberships:
        user.active_organisation = memberships[0].organisation


class ActiveMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            choose_active_organisation(request.user, request.session.get(SESSION_KEY))
        if request.method in {"GET", "HEAD"}:  # a read changes no answer: ask each once
            with policies.answers_remembered():
                return self.get_response(request)
        return self.get_response(request)
