"""One error shape for every API response: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from bahali.core import crypto, sealing
from bahali.core.versioning import Conflict


class ApiError(Exception):
    """Raised by endpoints for an error with a stable code and a translated message."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(Conflict)
    def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        """Someone else acted first (a stale version, a decision already taken): 409, for
        every endpoint, from the one exception the services raise."""
        return error_response(api, request, 409, exc.code, str(exc))

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        details = [
            {
                "field": ".".join(str(part) for part in error.get("loc", [])[1:]),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        return error_response(api, request, 422, "invalid", _("The request is not valid."), details)

    @api.exception_handler(DjangoValidationError)
    def _invalid_domain(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            details = [
                {"field": field, "message": message}
                for field, errors in exc.message_dict.items()
                for message in errors
            ]
        else:
            details = [{"field": "", "message": message} for message in exc.messages]
        return error_response(api, request, 422, "invalid", _("The request is not valid."), details)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(
            api, request, 401, "unauthenticated", _("A valid bearer token is required.")
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(
            api, request, 403, "forbidden", str(exc) or _("You are not allowed to do this.")
        )

    @api.exception_handler(crypto.SealError)
    def _sealed(request: HttpRequest, exc: crypto.SealError) -> HttpResponse:
        # Names neither the record nor the key; a moved value is audited after the
        # rollback (as on pages: bahali.core.middleware.SealErrorMiddleware).
        sealing.record_refusal(exc, user=getattr(request, "user", None))
        return error_response(api, request, 409, "sealed", str(exc.public_message))

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            message = _("The request body could not be read; send JSON.")
            return error_response(api, request, 400, "bad_request", message)
        return error_response(api, request, exc.status_code, "error", str(exc))


# What each error status means, for the OpenAPI document (in English, like the rest of it).
ERROR_RESPONSES = {
    400: "The body is not JSON, or a value in the address holds a control character",
    401: "A valid bearer token is required",
    403: "You are not allowed to do this",
    404: "Not found, or out of your reach (the same answer)",
    409: "Someone changed it since you read it, or it was already decided",
    422: "The request is not valid; `details` names each field",
}
WRITES = {"post", "put", "patch", "delete"}


def declare_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to every operation of an OpenAPI document the error statuses it can answer.

    Declared here once rather than on each endpoint, from what the API does for all of them:
    any address may hold a control character (400); an operation with a token may be refused
    one (401), may not reach an object (404), and, when it writes, may be forbidden (403) or
    conflict (409); one with parameters or a body may be invalid (422). Statuses an endpoint
    declares itself are kept.
    """
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            statuses = {400}
            if operation.get("security"):
                statuses |= {401, 404}
                if method in WRITES:
                    statuses |= {403, 409}
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.add(422)
            responses = operation.setdefault("responses", {})
            declared = {int(status) for status in responses}
            for status in sorted(statuses - declared):
                responses[status] = {"description": ERROR_RESPONSES[status], "content": error}
            operation["responses"] = dict(sorted(responses.items(), key=lambda i: int(i[0])))
    return schema
