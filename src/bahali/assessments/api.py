"""API: instruments (list, detail with versions, XLSForm export) and assessments (list,
detail, start, save a draft, complete, proposed goals).

The same services and policies as the pages: a case or assessment the user may not reach
answers 404 like a missing one; security liaisons list the overall band of progress
assessments and nothing else.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.accounts import policies
from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.assessments import services, xlsform
from bahali.assessments.lookups import get_assessment_for_user, get_instrument_for_user
from bahali.assessments.models import Assessment, Instrument, InstrumentKind, InstrumentVersion
from bahali.cases.lookups import get_case_for_user
from bahali.core.http import AuthedRequest

router = Router(tags=["assessments"])


# --- instruments --------------------------------------------------------------------


class VersionOut(Schema):
    number: int
    published_at: datetime.datetime | None
    note: str


class VersionDetailOut(VersionOut):
    definition: dict[str, Any]


class InstrumentOut(Schema):
    code: str
    kind: str
    name_en: str
    name_ur: str
    name_ps: str
    is_builtin: bool
    organisation_id: int | None
    is_active: bool
    current_version: int | None

    @staticmethod
    def resolve_current_version(obj: Instrument) -> int | None:
        published = [v.number for v in obj.versions.all() if v.published_at is not None]
        return max(published) if published else None


class InstrumentDetailOut(InstrumentOut):
    versions: list[VersionDetailOut]

    @staticmethod
    def resolve_versions(obj: Instrument) -> list[InstrumentVersion]:
        return sorted(obj.versions.all(), key=lambda v: -v.number)


def _instruments(request: AuthedRequest) -> Any:
    return Instrument.objects.visible_to(request.user).prefetch_related("versions")


@router.get("/instruments", response=list[InstrumentOut], summary="Assessment instruments")
def list_instruments(request: AuthedRequest) -> Any:
    return list(_instruments(request))


@router.get(
    "/instruments/{code}",
    response={200: InstrumentDetailOut, 404: Error},
    summary="One instrument, with every version's definition",
)
def get_instrument(request: AuthedRequest, code: str) -> Any:
    return get_instrument_for_user(request.user, code)


@router.get(
    "/instruments/{code}/versions/{number}/xlsform",
    response={200: None, 404: Error},
    summary="One version of an instrument as an XLSForm workbook (.xlsx)",
)
def export_instrument(request: AuthedRequest, code: str, number: int) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, code)
    version = get_object_or_404(instrument.versions, number=number)
    response = HttpResponse(
        xlsform.write_xlsform(
            version.definition, code=instrument.code, kind=instrument.kind, version=number
        ),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{instrument.code}-v{number}.xlsx"'
    return response


# --- assessments --------------------------------------------------------------------


class AssessmentSummaryOut(Schema):
    id: int
    case_id: int | None
    instrument: str
    instrument_version: int
    assessed_on: datetime.date
    status: str
    overall_rating: str
    corrects_id: int | None

    @staticmethod
    def resolve_instrument(obj: Assessment) -> str:
        return obj.instrument_version.instrument.code

    @staticmethod
    def resolve_instrument_version(obj: Assessment) -> int:
        return obj.instrument_version.number


class AssessmentOut(AssessmentSummaryOut):
    assessor: str | None
    answers: dict[str, Any]
    domain_ratings: dict[str, dict[str, str]]
    overall_rationale: str
    completed_at: datetime.datetime | None
    version: int

    @staticmethod
    def resolve_assessor(obj: Assessment) -> str | None:
        return obj.assessor.username if obj.assessor else None


class StartIn(Schema):
    instrument: str = Field(..., description="The instrument's code")
    assessed_on: datetime.date | None = None


class DomainRatingIn(Schema):
    rating: str = ""
    rationale: str = ""


class AnswersIn(Schema):
    version: int = Field(..., description="The assessment's version you read")
    answers: dict[str, Any] = {}
    domain_ratings: dict[str, DomainRatingIn] = {}
    overall_rating: str = ""
    overall_rationale: str = ""
    assessed_on: datetime.date | None = None


class ProposedGoalOut(Schema):
    item: str
    domain: str
    title: str
    reason: str


def _assessments() -> Any:
    return Assessment.objects.select_related("instrument_version__instrument", "assessor")


@router.get(
    "/cases/{case_id}/assessments",
    response={200: list[AssessmentSummaryOut], 404: Error},
    summary="The assessments of a case (the overall band only, for security liaisons)",
)
def list_assessments(request: AuthedRequest, case_id: int) -> Any:
    case = get_case_for_user(request.user, case_id, "assessment_band")
    rows = _assessments().filter(case=case)
    if not policies.can(request.user, "assessment.read", case):
        rows = services.effective(rows).filter(
            instrument_version__instrument__kind=InstrumentKind.PROGRESS
        )
    return list(rows.order_by("-assessed_on", "-pk"))


@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentOut, 404: Error, 422: Error},
    summary="Start a draft assessment of a case with an instrument's current version",
)
def start_assessment(request: AuthedRequest, case_id: int, payload: StartIn) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "assessment", "write")
    instrument = services.instruments_for_case(case).filter(code=payload.instrument).first()
    if instrument is None:
        raise ApiError(
            422,
            "invalid",
            _("The request is not valid."),
            [
                {
                    "field": "instrument",
                    "message": _("This instrument cannot be used for this case."),
                }
            ],
        )
    assessment = services.start_assessment(
        actor=request.user, case=case, instrument=instrument, assessed_on=payload.assessed_on
    )
    return Status(201, get_assessment_for_user(request.user, assessment.pk))


@router.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, 404: Error},
    summary="One assessment: answers, domain ratings, overall judgement",
)
def get_assessment(request: AuthedRequest, assessment_id: int) -> Assessment:
    return get_assessment_for_user(request.user, assessment_id)


def _judgement(payload: AnswersIn) -> services.Judgement:
    return services.Judgement(
        domain_ratings={
            name: {"rating": rating.rating, "rationale": rating.rationale}
            for name, rating in payload.domain_ratings.items()
        },
        overall_rating=payload.overall_rating,
        overall_rationale=payload.overall_rationale,
    )


def _write(request: AuthedRequest, assessment_id: int, payload: AnswersIn, operation: Any) -> Any:
    assessment = get_assessment_for_user(request.user, assessment_id, "write")
    operation(
        actor=request.user,
        assessment=assessment,
        expected_version=payload.version,
        answers=payload.answers,
        judgement=_judgement(payload),
        assessed_on=payload.assessed_on,
    )
    return get_assessment_for_user(request.user, assessment_id)


@router.put(
    "/assessments/{assessment_id}",
    response={200: AssessmentOut, 404: Error, 409: Error, 422: Error},
    summary="Save a draft's answers (required items may still be empty)",
)
def save_assessment(request: AuthedRequest, assessment_id: int, payload: AnswersIn) -> Any:
    return _write(request, assessment_id, payload, services.save_answers)


@router.post(
    "/assessments/{assessment_id}/complete",
    response={200: AssessmentOut, 404: Error, 409: Error, 422: Error},
    summary="Complete an assessment; it is read-only afterwards",
)
def complete_assessment(request: AuthedRequest, assessment_id: int, payload: AnswersIn) -> Any:
    return _write(request, assessment_id, payload, services.complete_assessment)


@router.get(
    "/assessments/{assessment_id}/proposed-goals",
    response={200: list[ProposedGoalOut], 404: Error},
    summary="Plan goals proposed by the factors and needs a completed assessment rated present",
)
def proposed_goals(request: AuthedRequest, assessment_id: int) -> Any:
    assessment = get_assessment_for_user(request.user, assessment_id)
    if not assessment.is_completed:
        return []
    return services.proposed_goals(assessment)
