"""API: tokens for scripts and devices, and the current user."""

from __future__ import annotations

from datetime import datetime

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.accounts import services
from bahali.accounts.middleware import choose_active_organisation
from bahali.accounts.models import ApiToken, User
from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest, client_address

router = Router(tags=["auth"])


class TokenRequest(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=4096)
    name: str = Field("API", min_length=1, max_length=80, description="Where the token is used.")
    code: str | None = Field(
        None,
        max_length=32,
        description=(
            "For roles that sign in with two factors (they read identity or clinical data, or "
            "are data stewards): the code of the authenticator app, or a recovery code."
        ),
    )


class TokenIssued(Schema):
    token: str = Field(..., description="The bearer token. Shown once; only its hash is stored.")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    id: int
    name: str
    prefix: str
    expires_at: datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    organisation_kind: str
    role: str
    districts: list[str]


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    acting_for: int | None
    memberships: list[MembershipOut]


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenIssued, 401: Error, 422: Error, 429: Error},
    summary="Exchange a username and password for a bearer token",
    description=(
        "Answers in the same time for a known and an unknown username. Limited per client "
        "address (sign-in attempts and token creations per minute): 429 when exceeded. Roles "
        "that sign in with two factors send `code` too (401 `second_factor_required` without "
        "it, `second_factor_enrolment_required` before they set it up on the web)."
    ),
)
def create_token(request: HttpRequest, payload: TokenRequest) -> Status[TokenIssued]:
    address = client_address(request)
    try:
        services.count_token_request(address)
        user = services.check_credentials(payload.username, payload.password, address)
        if services.second_factor_needed(user):
            if not services.has_second_factor(user):
                raise ApiError(
                    401,
                    "second_factor_enrolment_required",
                    _("Set up two-factor sign-in on the web first, then ask for a token."),
                )
            if not payload.code:
                raise ApiError(
                    401,
                    "second_factor_required",
                    _("Your roles need two-factor sign-in: send your authenticator app's code."),
                )
            user.otp_device = services.check_second_factor(user, payload.code, address)
    except services.SignInRefused as refusal:
        if refusal.throttled:
            raise ApiError(429, "too_many_requests", str(refusal)) from None
        raise ApiError(401, "sign_in_refused", str(refusal)) from None
    choose_active_organisation(user)
    issued = services.issue_api_token(actor=user, name=payload.name)
    token = issued.token
    return Status(
        201,
        TokenIssued(
            token=issued.secret,
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            expires_at=token.expires_at,
        ),
    )


@router.get("/auth/tokens", response=list[TokenOut], summary="Your API tokens")
def list_tokens(request: AuthedRequest) -> list[ApiToken]:
    return list(ApiToken.objects.visible_to(request.user).order_by("-created_at"))


@router.delete(
    "/auth/tokens/{token_id}",
    response={200: TokenOut, 404: Error},
    summary="Revoke one of your API tokens",
)
def revoke_token(request: AuthedRequest, token_id: int) -> ApiToken:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=token_id)
    return services.revoke_api_token(actor=request.user, token=token)


@router.get("/me", response=MeOut, summary="The signed-in user and their roles")
def me(request: AuthedRequest) -> MeOut:
    user = request.user
    if not isinstance(user, User):
        raise ApiError(401, "unauthenticated", _("A valid bearer token is required."))
    memberships = user.active_memberships()
    prefetch_related_objects(memberships, "districts")
    return MeOut(
        id=user.pk,
        username=user.username,
        full_name=user.get_full_name(),
        acting_for=user.active_organisation.pk if user.active_organisation else None,
        memberships=[
            MembershipOut(
                organisation_id=m.organisation_id,
                organisation=m.organisation.name,
                organisation_kind=m.organisation.kind,
                role=m.role,
                districts=[d.code for d in m.districts.all()],
            )
            for m in memberships
        ],
    )
