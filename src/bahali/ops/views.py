"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers, orchestrators and
Prometheus, not for people (plain text and JSON, no page)."""

from __future__ import annotations

import hmac
import os
import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bahali.ops import health, metrics


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """Errors meaning a service the request needs did not answer (a restart, a failover, a
    connection dropped): the request may simply be sent again."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is locked; only REDIS_URL uses it
        pass
    else:
        errors += [RedisConnectionError, RedisTimeoutError]
    return tuple(errors)


RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an error because the database (or Redis) did not answer is a 503 that
    says to try again — a page, or the API's error shape under /api/ — with ``Retry-After``.
    The transaction that failed rolled back, but a service may have committed earlier in the
    same request, so the page says to check before sending again. Any other error stays
    Django's plain 500.

    Rendered without the request's context (no user, no session, no navigation): those need
    the service that is down."""
    error = sys.exc_info()[1]
    if not isinstance(error, unavailable_errors()):
        return defaults.server_error(request)
    message = _("Bahali is briefly unavailable. Try again in a moment.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {"error": {"code": "unavailable", "message": message, "details": []}}
        response = JsonResponse(body, status=503)
    else:
        page = render_to_string("ops/unavailable.html", {"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: the process answers. Touches nothing else (a database outage must not make
    an orchestrator restart every web process)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready for traffic: database reachable, migrations applied, audit chain head readable,
    the background worker's heartbeat recent. 503 naming what is not."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_GET
def prometheus(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics; needs ``Authorization: Bearer $BAHALI_METRICS_TOKEN``. Without a
    token configured the endpoint does not exist (404)."""
    token = os.environ.get("BAHALI_METRICS_TOKEN", "")
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("unauthorised\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    values = metrics.collected()
    values.update(health.database_figures())
    return HttpResponse(
        metrics.render(values), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
