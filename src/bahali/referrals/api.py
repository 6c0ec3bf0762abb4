"""API: the service directory and referrals — the same services and policies as the pages.

A case or referral the user may not reach answers 404 like a missing one; a referral without
the participant's consent to share with the provider's kind is refused (422) with the reason.
The provider sees what the referral shares and the participant's code, nothing else.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.api import idempotency
from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.cases.lookups import get_case_for_user
from bahali.core.http import AuthedRequest
from bahali.referrals import services
from bahali.referrals.filters import ServiceFilter
from bahali.referrals.lookups import get_received_referral_for_user
from bahali.referrals.models import Referral, Service

router = Router(tags=["referrals"])


class ServiceOut(Schema):
    id: int
    name: str
    category: str
    provider_id: int
    provider: str
    provider_kind: str
    districts: list[str]
    eligibility: str
    contact: str
    description: str
    is_active: bool

    @staticmethod
    def resolve_provider(obj: Service) -> str:
        return obj.provider.name

    @staticmethod
    def resolve_provider_kind(obj: Service) -> str:
        return obj.provider.kind

    @staticmethod
    def resolve_districts(obj: Service) -> list[str]:
        return [district.code for district in obj.districts.all()]


class ReferralOut(Schema):
    """A referral as the case team sees it."""

    id: int
    case_id: int
    service_id: int
    provider_id: int
    need: str
    status: str
    sent_on: datetime.date
    responded_on: datetime.date | None
    response_note: str
    completed_on: datetime.date | None
    feedback: str
    cancel_reason: str
    version: int


class ReceivedReferralOut(Schema):
    """A referral as the provider sees it: what it shares and the participant's code."""

    id: int
    participant_code: str
    service_id: int
    need: str
    status: str
    sent_on: datetime.date
    responded_on: datetime.date | None
    response_note: str
    completed_on: datetime.date | None
    feedback: str
    version: int

    @staticmethod
    def resolve_participant_code(obj: Referral) -> str:
        return obj.case.participant.code

    @staticmethod
    def resolve_need(obj: Referral) -> str:
        """Withheld, with the reason, once the consent the referral relied on is withdrawn."""
        return obj.need if obj.consent_current else services.consent_withdrawn_message()


class ReferralIn(Schema):
    service_id: int
    need: str = Field(..., max_length=5000)


class ReferralAnswerIn(Schema):
    accept: bool
    note: str = ""
    version: int


class ReferralCompletionIn(Schema):
    feedback: str
    completed_on: datetime.date | None = None
    version: int


class ReferralWithdrawalIn(Schema):
    reason: str


@router.get(
    "/services",
    response={200: list[ServiceOut], 422: Error},
    summary="The service directory (active services; filter by category or district code)",
)
def list_services(request: AuthedRequest, category: str = "", district: str = "") -> Any:
    """The directory's filters (``referrals/filters.py``), the same as the page's."""
    filters = ServiceFilter(request.GET)
    if not filters.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), filters.problems())
    listed = filters.filter(Service.objects.visible_to(request.user).active())
    return listed.select_related("provider").prefetch_related("districts").order_by("name")


@router.get(
    "/cases/{case_id}/referrals",
    response={200: list[ReferralOut], 404: Error},
    summary="The referrals of a case",
)
def list_case_referrals(request: AuthedRequest, case_id: int) -> Any:
    return list(get_case_for_user(request.user, case_id, "referral").referrals.all())


@router.post(
    "/cases/{case_id}/referrals",
    response={201: ReferralOut, 404: Error, 422: Error},
    summary="Refer a case to a service (refused without consent to share with the provider)",
)
def create_referral(
    request: AuthedRequest,
    case_id: int,
    payload: ReferralIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "referral", "write")
    service_item = Service.objects.filter(pk=payload.service_id).select_related("provider").first()
    if service_item is None:
        raise ValidationError({"service_id": _("Unknown service.")})
    return idempotency.once(
        request,
        idempotency_key,
        f"referral:{case.pk}",
        lambda: Status(
            201,
            services.refer(
                actor=request.user, case=case, service_item=service_item, need=payload.need
            ),
        ),
        lambda pk: case.referrals.get(pk=pk),
    )


@router.post(
    "/cases/{case_id}/referrals/{referral_id}/withdrawal",
    response={200: ReferralOut, 404: Error, 409: Error, 422: Error},
    summary="Withdraw an open referral of a case",
)
def withdraw_referral(
    request: AuthedRequest, case_id: int, referral_id: int, payload: ReferralWithdrawalIn
) -> Any:
    case = get_case_for_user(request.user, case_id, "referral", "write")
    referral = get_object_or_404(case.referrals.all(), pk=referral_id)
    return services.cancel_referral(actor=request.user, referral=referral, reason=payload.reason)


@router.get(
    "/referrals/received",
    response={200: list[ReceivedReferralOut]},
    summary="Referrals sent to your organisation (the provider's view)",
)
def list_received_referrals(request: AuthedRequest, status: str = "") -> Any:
    received = services.received_by(request.user)
    if status:
        received = received.filter(status=status)
    listed = list(received.order_by("-sent_on", "-pk"))
    services.record_partner_reads(actor=request.user, referrals=listed)
    return listed


@router.post(
    "/referrals/{referral_id}/answer",
    response={200: ReceivedReferralOut, 404: Error, 409: Error, 422: Error},
    summary="Accept or decline a referral sent to your organisation (with the version you read)",
)
def answer_referral(request: AuthedRequest, referral_id: int, payload: ReferralAnswerIn) -> Any:
    referral = get_received_referral_for_user(request.user, referral_id)
    return services.respond_to_referral(
        actor=request.user,
        referral=referral,
        accept=payload.accept,
        note=payload.note,
        expected_version=payload.version,
    )


@router.post(
    "/referrals/{referral_id}/completion",
    response={200: ReceivedReferralOut, 404: Error, 409: Error, 422: Error},
    summary="Report an accepted referral completed, with feedback for the team",
)
def complete_received_referral(
    request: AuthedRequest, referral_id: int, payload: ReferralCompletionIn
) -> Any:
    referral = get_received_referral_for_user(request.user, referral_id)
    return services.complete_referral(
        actor=request.user,
        referral=referral,
        feedback=payload.feedback,
        completed_on=payload.completed_on,
        expected_version=payload.version,
    )
