"""One log line and the metrics per request, with the request's operation id.

Placed after ``ContentSecurityPolicyMiddleware`` (which starts the operation), so the log
line, the ``X-Operation-Id`` header and the audit events the request writes share one id.
Only the path is logged, never the query string or body (they may carry names).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bahali.core.context import current_operation
from bahali.ops import metrics

logger = logging.getLogger("bahali.requests")

QUIET = ("/healthz", "/readyz", "/metrics")


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
        finally:
            seconds = time.perf_counter() - started
            if request.path not in QUIET:
                metrics.observe_request(request.method or "", status, seconds)
                user = getattr(request, "user", None)
                logger.info(
                    "%s %s %s %.0f ms",
                    request.method,
                    request.path,
                    status,
                    seconds * 1000,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                        "user": getattr(user, "pk", None) or "",
                    },
                )
        operation = current_operation()
        if operation:
            response.headers.setdefault("X-Operation-Id", operation)
        return response
