"""API: aftercare check-ins, outcome events and the recidivism figure — the same services and
policies as the pages. Out of reach answers 404 like missing; the recidivism figure always
comes with its definition."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from ninja import Field, Router, Status

from bahali.accounts import policies
from bahali.aftercare import services
from bahali.aftercare.lookups import get_check_in_for_user, get_outcome_for_verification
from bahali.aftercare.models import WARNING_FIELDS, CheckIn
from bahali.api import idempotency
from bahali.api.schemas import Error, Schema
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import Case
from bahali.core.http import AuthedRequest
from bahali.programmes.lookups import get_programme_for_user

router = Router(tags=["aftercare"])


class CheckInOut(Schema):
    id: int
    case_id: int
    due_on: datetime.date
    is_follow_up: bool
    done_on: datetime.date | None
    method: str
    wellbeing: str
    warnings: list[str]
    notes: str
    follow_up: str
    version: int

    @staticmethod
    def resolve_warnings(obj: CheckIn) -> list[str]:
        return [name for name, _label in WARNING_FIELDS if getattr(obj, name)]


class CheckInIn(Schema):
    done_on: datetime.date
    method: str = Field(..., description="home_visit, phone or community_report")
    wellbeing: str = Field(..., description="good, fair or poor")
    warnings: list[str] = Field(
        [],
        description="lost_job, renewed_contact, threats_received, family_conflict, stigma_incident",
    )
    notes: str = ""
    follow_up: str = ""
    version: int


class CheckInPlanIn(Schema):
    starts_on: datetime.date | None = None


class OutcomeOut(Schema):
    id: int
    case_id: int
    kind: str
    occurred_on: datetime.date
    source: str
    source_detail: str
    description: str
    verification: str
    verified_on: datetime.date | None
    verification_note: str
    counts_as_recidivism: bool
    version: int


class OutcomeIn(Schema):
    kind: str
    occurred_on: datetime.date
    source: str
    source_detail: str = Field("", max_length=200)
    description: str = ""


class OutcomeReported(Schema):
    id: int
    verification: str


class OutcomeVerificationIn(Schema):
    verification: str = Field(..., description="verified or disproved")
    note: str
    version: int


class RecidivismOut(Schema):
    programme: str
    returned: int
    recidivists: int
    rate: float | None
    awaiting_verification: int
    disproved: int
    definition: str


@router.get(
    "/cases/{case_id}/check-ins",
    response={200: list[CheckInOut], 404: Error},
    summary="A case's aftercare check-ins, planned and held",
)
def list_check_ins(request: AuthedRequest, case_id: int) -> Any:
    return list(get_case_for_user(request.user, case_id, "check_in").check_ins.all())


@router.post(
    "/cases/{case_id}/check-ins",
    response={201: list[CheckInOut], 404: Error, 422: Error},
    summary="Plan a case's check-ins from its programme (monthly, then quarterly)",
)
def plan_case_check_ins(
    request: AuthedRequest, case_id: int, payload: CheckInPlanIn
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "check_in", "write")
    planned = services.plan_check_ins(actor=request.user, case=case, starts_on=payload.starts_on)
    return Status(201, planned)


@router.post(
    "/check-ins/{check_in_id}",
    response={200: CheckInOut, 404: Error, 409: Error, 422: Error},
    summary="Record a planned check-in as held (with the version you read)",
)
def record_case_check_in(
    request: AuthedRequest,
    check_in_id: int,
    payload: CheckInIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Any:
    check_in = get_check_in_for_user(request.user, check_in_id, "write")

    def act() -> Status[Any]:
        recorded = services.record_check_in(
            actor=request.user,
            check_in=check_in,
            done_on=payload.done_on,
            method=payload.method,
            wellbeing=payload.wellbeing,
            warnings=payload.warnings,
            notes=payload.notes,
            follow_up=payload.follow_up,
            expected_version=payload.version,
        )
        return Status(200, recorded)

    return idempotency.once(
        request,
        idempotency_key,
        f"check_in:{check_in.pk}",
        act,
        lambda pk: get_check_in_for_user(request.user, pk, "read"),
    )


@router.get(
    "/cases/{case_id}/outcomes",
    response={200: list[OutcomeOut], 404: Error},
    summary="A case's outcome events, good and bad, with their verification",
)
def list_outcomes(request: AuthedRequest, case_id: int) -> Any:
    return list(get_case_for_user(request.user, case_id, "outcome_event").outcomes.all())


@router.post(
    "/cases/{case_id}/outcomes",
    response={201: OutcomeReported, 404: Error, 422: Error},
    summary="Report an outcome event (it starts as reported)",
)
def report_case_outcome(
    request: AuthedRequest,
    case_id: int,
    payload: OutcomeIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "outcome_event", "write")
    return idempotency.once(
        request,
        idempotency_key,
        f"outcome:{case.pk}",
        lambda: Status(
            201, services.report_outcome(actor=request.user, case=case, **payload.dict())
        ),
        lambda pk: case.outcomes.get(pk=pk),
    )


@router.post(
    "/outcomes/{outcome_id}/verification",
    response={200: OutcomeOut, 404: Error, 409: Error, 422: Error},
    summary="Verify or disprove a reported outcome event (programme managers)",
)
def verify_case_outcome(
    request: AuthedRequest, outcome_id: int, payload: OutcomeVerificationIn
) -> Any:
    event = get_outcome_for_verification(request.user, outcome_id)
    return services.verify_outcome(
        actor=request.user,
        event=event,
        verification=payload.verification,
        note=payload.note,
        expected_version=payload.version,
    )


@router.get(
    "/programmes/{code}/recidivism",
    response={200: RecidivismOut, 404: Error},
    summary="The programme's recidivism figure over the cases you may see, with its definition",
)
def get_recidivism(request: AuthedRequest, code: str) -> Any:
    programme = get_programme_for_user(request.user, code)
    if not policies.can(request.user, "outcome_event.read"):
        raise Http404
    cases = Case.objects.visible_to(request.user, "outcome_event").filter(programme=programme)
    figure = services.recidivism(cases)
    return {
        "programme": programme.code,
        "returned": figure.returned,
        "recidivists": figure.recidivists,
        "rate": figure.rate,
        "awaiting_verification": figure.awaiting_verification,
        "disproved": figure.disproved,
        "definition": str(figure.definition),
    }
