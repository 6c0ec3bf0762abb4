from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path
from django.utils.translation import gettext as _

from bahali.core import inputs

urlpatterns = [
    path("", include("bahali.core.urls")),
    path("accounts/", include("bahali.accounts.urls")),
    path("organisations/", include("bahali.organisations.urls")),
    path("participants/", include("bahali.registry.urls")),
    path("participants/", include("bahali.disclosures.urls")),
    path("programmes/", include("bahali.programmes.urls")),
    path("cases/", include("bahali.cases.urls")),
    path("cases/", include("bahali.casework.urls")),
    path("intake/", include("bahali.intake.urls")),
    path("", include("bahali.assessments.urls")),
    path("", include("bahali.referrals.urls")),
    path("", include("bahali.aftercare.urls")),
    path("", include("bahali.grievances.urls")),
    path("", include("bahali.prevention.urls")),
    path("", include("bahali.communities.urls")),
    path("", include("bahali.field.urls")),
    path("evidence/", include("bahali.evidence.urls")),
    path("", include("bahali.rights.urls")),
    path("", include("bahali.imports.urls")),
    path("retention/", include("bahali.retention.urls")),
    path("audit/", include("bahali.audit.urls")),
    path("jobs/", include("bahali.jobs.urls")),
    path("api/", include("bahali.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("bahali.ops.urls")),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 as JSON under /api/ (the API's error shape), as a page elsewhere."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": "not_found", "message": _("Not found."), "details": []}}
        return JsonResponse(body, status=404)
    return render(request, "core/404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 as JSON under /api/ (the API's error shape), as a page elsewhere.

    ``AddressValuesMiddleware`` raises ``RefusedAddressValue`` naming the parameter and the
    reason: they go into the error's details. Other bad requests say nothing more.
    """
    message = ""
    details = []
    if isinstance(exception, inputs.RefusedAddressValue):
        message = exception.message
        details = [{"field": exception.field, "message": message}]
    if request.path.startswith("/api/"):
        body = {
            "error": {
                "code": "bad_request",
                "message": _("The address is not valid."),
                "details": details,
            }
        }
        return JsonResponse(body, status=400)
    return render(request, "core/400.html", {"message": message}, status=400)


handler400 = bad_request
handler404 = not_found
# A database (or Redis) that does not answer: 503, "try again" (bahali.ops.views).
handler500 = "bahali.ops.views.server_error"
