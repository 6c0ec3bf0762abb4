"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers, orchestrators and
Prometheus, not for people (plain text and JSON, no page)."""

from __future__ import annotations

import hmac
import os

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bahali.ops import health, metrics


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
