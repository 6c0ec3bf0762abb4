"""Which organisation a signed-in user is acting for on this request, and the request's
remembered authorization answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

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


def unwrapped(user: Any) -> Any:
    """The user itself, out of the lazy wrappers authentication and django-otp put it in
    (one inside the other): every page reads it anyway, and each of the ~200 reads of an
    attribute a page makes through the wrappers costs two proxy calls."""
    while isinstance(user, LazyObject):
        lazy: Any = user
        if lazy._wrapped is empty:
            lazy._setup()
        user = lazy._wrapped
    return user


class ActiveMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = unwrapped(request.user)
        if request.user.is_authenticated:
            choose_active_organisation(request.user, request.session.get(SESSION_KEY))
        if request.method in {"GET", "HEAD"}:  # a read changes no answer: ask each once
            with policies.answers_remembered():
                return self.get_response(request)
        return self.get_response(request)


# Pages a session awaiting its second factor may still reach (the steps themselves, signing
# out, choosing a language); every other page sends it to the code step.
SECOND_STEP_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:second_factor",
        "accounts:enrol",
        "set_language",
    }
)


class SecondFactorMiddleware:
    """A signed-in session of someone who needs a second factor (``accounts.services.
    second_factor_needed``) but was not verified by one goes back to the code step.

    Signing in never opens such a session (the code comes first); this catches a session
    whose user gained such a role since, or whose authenticator a data steward reset.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.urls import Resolver404, resolve

        from bahali.accounts import services

        user: Any = request.user
        if user.is_authenticated and not user.is_verified():
            try:
                view = resolve(request.path_info).view_name
            except Resolver404:
                view = ""
            if view not in SECOND_STEP_VIEWS and services.second_factor_needed(user):
                wanted = request.get_full_path() if request.method == "GET" else ""
                logout(request)
                services.await_second_factor(request, user, wanted)
                return redirect("accounts:second_factor")
        return self.get_response(request)
