"""``/api/v1``: the same services and policies as the pages, for scripts and devices."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import translation
from ninja import NinjaAPI

from bahali.accounts.api import router as accounts_router
from bahali.aftercare.api import router as aftercare_router
from bahali.api import errors
from bahali.api.auth import TokenAuth
from bahali.api.pagination import MAX_OFFSET, MAX_PAGE_SIZE
from bahali.assessments.api import router as assessments_router
from bahali.cases.api import router as cases_router
from bahali.casework.api import router as casework_router
from bahali.communities.api import router as communities_router
from bahali.evidence.api import router as evidence_router
from bahali.field.api import router as field_router
from bahali.grievances.api import router as grievances_router
from bahali.intake.api import router as intake_router
from bahali.jobs.api import router as jobs_router
from bahali.organisations.api import router as organisations_router
from bahali.prevention.api import router as prevention_router
from bahali.programmes.api import router as programmes_router
from bahali.referrals.api import router as referrals_router
from bahali.registry.api import router as registry_router
from bahali.retention.api import router as retention_router


class BahaliAPI(NinjaAPI):
    """The API whose OpenAPI document declares every error status an operation answers.

    The document is built once per process and language (it describes the code, which does
    not change while the process runs): building it walks every operation's schemas, which
    takes seconds on a loaded machine, and /api/v1/docs asks for it on every visit."""

    _schemas: dict[tuple[str, str, str], Any]

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        key = (translation.get_language() or "", repr(args), repr(sorted(kwargs.items())))
        cache = self.__dict__.setdefault("_schemas", {})
        if key not in cache:
            cache[key] = errors.declare_error_responses(super().get_openapi_schema(*args, **kwargs))
        return cache[key]


api = BahaliAPI(
    title="Bahali API",
    version="1",
    description=(
        "Community-based rehabilitation and reintegration. Authenticate with "
        "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`. "
        'Errors always have the shape `{"error": {"code", "message", "details"}}`. '
        f"Lists are paged with `limit` (at most {MAX_PAGE_SIZE}, default 100) and `offset` "
        f"(at most {MAX_OFFSET}). Every input keeps the same bounds: text holds no control "
        "character (tab, newline and carriage return aside) and no lone surrogate, dates "
        "fall in the years 1900 to 2100 unless a field says otherwise, whole numbers fit in "
        "64 bits; a value outside them is refused with 422 naming the field, and a control "
        "character in the address (path or query) with 400."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", accounts_router)
api.add_router("", organisations_router)
api.add_router("", registry_router)
api.add_router("", programmes_router)
api.add_router("", cases_router)
api.add_router("", casework_router)
api.add_router("", assessments_router)
api.add_router("", communities_router)
api.add_router("", referrals_router)
api.add_router("", aftercare_router)
api.add_router("", grievances_router)
api.add_router("", jobs_router)
api.add_router("", field_router)
api.add_router("", intake_router)
api.add_router("", prevention_router)
api.add_router("", retention_router)
api.add_router("", evidence_router)

urlpatterns = [path("v1/", api.urls)]
