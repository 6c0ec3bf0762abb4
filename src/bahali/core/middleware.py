"""Response headers and request context shared by every page and endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from bahali.core import context
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
    """Adds the Content-Security-Policy and names the request's source for the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with context.source("api" if request.path.startswith("/api/") else "web"):
            response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


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
