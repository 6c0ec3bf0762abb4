"""Response headers and request context shared by every page and endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from bahali.core import context, crypto, inputs, sealing
from bahali.core.versioning import Conflict

# No inline script or style anywhere: assets come from our own origin only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy and, for the audit trail, names the request's source
    and makes the request one operation (every event it writes shares an operation id)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with (
            context.source("api" if request.path.startswith("/api/") else "web"),
            context.operation(),
        ):
            response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


# Answers about identity and credentials: never stored, even for an anonymous caller.
NO_STORE_PREFIXES = ("/accounts/", "/api/v1/auth/", "/api/v1/me")


class SessionTouchMiddleware:
    """Sessions end after ``SESSION_COOKIE_AGE`` seconds idle without a database write on
    every page: a signed-in session is saved again (its expiry, and the cookie's, moved on)
    when it was last saved more than ``BAHALI_SESSION_TOUCH_SECONDS`` ago, so the idle limit
    holds to within that. Listed after SessionMiddleware, which saves what this marks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # only a session that exists and is still signed in (a sign-out has flushed it; an
        # anonymous visitor gets none)
        if session is not None and session.session_key and session.get("_auth_user_id"):
            now = int(time.time())
            every = int(getattr(settings, "BAHALI_SESSION_TOUCH_SECONDS", 60))
            if now - int(session.get("_touched", 0)) >= every:
                session["_touched"] = now
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with ``private`` and ``max-age=0``) on every answer to a
    signed-in user, page or API, and on the sign-in and token endpoints: what a case worker
    saw (identity, clinical notes, tokens) stays out of shared proxies and the browser's disk
    cache, and the back button after signing out does not show it again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(
            NO_STORE_PREFIXES
        ):
            add_never_cache_headers(response)
        return response


class SealErrorMiddleware:
    """A sealed value that does not open is a page saying so (409), not a server error.

    It names neither the record nor the key; a value moved from another row or field is
    recorded in the audit trail, after the request's transaction has rolled back. The API
    answers the same in its own error shape (``bahali.api.errors``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, crypto.SealError):
            return None
        sealing.record_refusal(exception, user=getattr(request, "user", None))
        page = {"message": exception.public_message}
        return render(request, "core/sealed.html", page, status=409)


class AddressValuesMiddleware:
    """Answers 400 when the path or a query value holds a control character (a NUL above all).

    Such values reached the database from a participant code in the path or ``?district=``
    and answered 500 on PostgreSQL, which refuses NUL in text. No address of ours needs one,
    so every page and endpoint is covered here at once; the API answers in its error shape
    (``bahali.urls.bad_request``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        values: list[tuple[str, object]] = [("path", request.path)]
        values += [("query", name) for name in request.GET]
        values += list(request.GET.lists())
        for name, value in values:
            found = inputs.problem(value, multiline=False)
            if found:
                raise inputs.RefusedAddressValue(name, found)
        return self.get_response(request)


class ConflictMiddleware:
    """Every page answers a :class:`Conflict` (a stale edit, a decision someone else took
    first) the same way: the service's message, and back to the page the user acted from,
    reloaded, so they see what changed. Forms that keep the user's typing catch it
    themselves (``bahali.core.forms.show_conflict``); nothing else needs to."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Conflict) or request.path.startswith("/api/"):
            return None
        messages.error(request, str(exception))
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=200)
            response["HX-Refresh"] = "true"
            return response
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = request.path
        return HttpResponseRedirect(back, status=303)
