"""API: referrals before enrolment, their screening and enrolment from an eligible one, and
a programme's eligibility criteria — the same services, lookups and policies as the pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.accounts import policies
from bahali.api import idempotency
from bahali.api.errors import ApiError
from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.cases.lookups import get_case_for_user
from bahali.core.http import AuthedRequest
from bahali.geography.models import District
from bahali.intake import criteria, services, women
from bahali.intake.forms import ReferralFilter
from bahali.intake.lookups import (
    get_handled_referral_for_user,
    get_programme_for_user,
    get_referral_for_user,
)
from bahali.intake.models import ArmedGroup, LegalBasis, Referral
from bahali.organisations.models import Organisation
from bahali.programmes.models import Programme
from bahali.registry.models import Participant

router = Router(tags=["intake"])


class IntakeScreeningOut(Schema):
    id: int
    programme: str | None
    criteria_version: int | None
    outcome: str
    failed: list[str] = Field(..., description="criteria not met (a refusal names them)")
    answers: list[dict[str, Any]] = Field(..., description="criterion, answer, met")
    reason: str
    referred_to: str
    screened_on: datetime.date

    @staticmethod
    def resolve_programme(obj: Any) -> str | None:
        return obj.programme.code if obj.programme else None

    @staticmethod
    def resolve_criteria_version(obj: Any) -> int | None:
        return obj.criteria_version.number if obj.criteria_version else None


class IntakeReferralOut(Schema):
    id: int
    reference: str
    participant: str
    source: str
    referrer: str
    referred_on: datetime.date
    from_district: str
    from_place: str
    receiving_organisation_id: int
    programme: str | None
    status: str
    eligible_for: str | None
    case_id: int | None
    version: int

    @staticmethod
    def resolve_participant(obj: Referral) -> str:
        return obj.participant.code

    @staticmethod
    def resolve_from_district(obj: Referral) -> str:
        return obj.from_district.code

    @staticmethod
    def resolve_programme(obj: Referral) -> str | None:
        return obj.programme.code if obj.programme else None

    @staticmethod
    def resolve_eligible_for(obj: Referral) -> str | None:
        return obj.eligible_for.code if obj.eligible_for else None


class IntakeReferralDetailOut(IntakeReferralOut):
    screenings: list[IntakeScreeningOut]

    @staticmethod
    def resolve_screenings(obj: Referral) -> list[Any]:
        return list(obj.screenings.select_related("programme", "criteria_version"))


class IntakeReferralIn(Schema):
    participant: str = Field(..., description="the participant's code (after the duplicate check)")
    source: str = Field(..., description="security_forces, court, family, self, community, cso")
    referrer: str = Field(..., max_length=200)
    referred_on: datetime.date | None = None
    from_district: str = Field(..., description="district code, e.g. SWT")
    from_place: str = Field("", max_length=200)
    programme: str = Field("", description="programme code asked for (optional)")
    referring_organisation_id: int | None = None
    note: str = Field("", max_length=2000)


class IntakeScreeningIn(Schema):
    outcome: str = Field(..., description="eligible, not_eligible, referred_elsewhere, deferred")
    reason: str = Field(..., max_length=2000)
    programme: str = Field("", description="programme code (needed for eligible/not eligible)")
    age: int | None = None
    involvement: str = ""
    accountability: str = ""
    voluntary: bool | None = None
    residence: str = Field("", description="district code")
    referred_to: str = Field("", max_length=200)
    version: int


class IntakeEnrolmentIn(Schema):
    version: int


class IntakeEnrolmentOut(Schema):
    case_id: int


class IntakeClassificationIn(Schema):
    group_id: int | None = None
    involvement: str = Field(..., description="sympathiser, supporter, member, mid_level, leader")
    roles: list[str] = Field(
        default_factory=list,
        description="fighter, logistics, recruitment, propaganda, finance, other",
    )
    joined: str = Field("", description="coerced, voluntary, born_into")
    age_at_first_involvement: int | None = None
    months_in_group: int | None = None
    version: int | None = None


class IntakeClassificationOut(Schema):
    group: str | None
    involvement: str
    roles: list[str]
    joined: str
    age_at_first_involvement: int | None
    months_in_group: int | None
    child_recruited: bool
    version: int


class IntakeConfirmationIn(Schema):
    version: int


class IntakeCriterionOut(Schema):
    key: str
    label: str
    admits: str


class IntakeCriteriaVersionOut(Schema):
    number: int
    published_on: datetime.date
    note: str
    criteria: list[IntakeCriterionOut]


def _district(code: str, field: str) -> District | None:
    if not code:
        return None
    district = District.objects.filter(code=code.upper()).first()
    if district is None:
        raise ValidationError({field: _("Unknown district.")})
    return district


def _programme(code: str) -> Programme | None:
    if not code:
        return None
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise ValidationError({"programme": _("Unknown programme.")})
    return programme


@router.get(
    "/intake/referrals",
    response={200: list[IntakeReferralOut], 404: Error, 422: Error},
    summary="Referrals before enrolment you may see (open ones unless a status is given)",
)
@paginate(Pagination)
def intake_list_referrals(request: AuthedRequest, status: str = "", source: str = "") -> Any:
    if not policies.can(request.user, "intake_referral.read"):
        raise Http404
    filters = ReferralFilter(request.GET)
    if not filters.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), filters.problems())
    return (
        filters.filter(Referral.objects.visible_to(request.user))
        .select_related("participant", "from_district", "programme", "eligible_for")
        .order_by("referred_on", "pk")
    )


@router.post(
    "/intake/referrals",
    response={201: IntakeReferralOut, 404: Error, 422: Error},
    summary="Record a referral of a registered participant (joins your organisation's queue)",
)
def intake_create_referral(
    request: AuthedRequest,
    payload: IntakeReferralIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    if not policies.can(request.user, "intake_referral.write"):
        raise Http404
    participant = (
        Participant.objects.visible_to(request.user, "participant_record", "write")
        .active()
        .filter(code=payload.participant.strip().upper())
        .first()
    )
    if participant is None:
        raise Http404
    from_district = _district(payload.from_district, "from_district")
    if from_district is None:
        raise ValidationError({"from_district": _("Unknown district.")})
    referring = None
    if payload.referring_organisation_id is not None:
        referring = Organisation.objects.filter(pk=payload.referring_organisation_id).first()
        if referring is None:
            raise ValidationError({"referring_organisation_id": _("Unknown organisation.")})
    return idempotency.once(
        request,
        idempotency_key,
        f"intake-referral:{participant.pk}",
        lambda: Status(
            201,
            services.record_referral(
                actor=request.user,
                participant=participant,
                source=payload.source,
                referrer=payload.referrer,
                referred_on=payload.referred_on,
                from_district=from_district,
                from_place=payload.from_place,
                programme=_programme(payload.programme),
                referring_organisation=referring,
                note=payload.note,
            ),
        ),
        lambda pk: Referral.objects.get(pk=pk),
    )


@router.get(
    "/intake/referrals/{referral_id}",
    response={200: IntakeReferralDetailOut, 404: Error},
    summary="One referral with its screenings",
)
def intake_get_referral(request: AuthedRequest, referral_id: int) -> Any:
    return get_referral_for_user(request.user, referral_id)


@router.post(
    "/intake/referrals/{referral_id}/screening",
    response={201: IntakeScreeningOut, 404: Error, 409: Error, 422: Error},
    summary="Screen a referral against a programme's current criteria and decide (once)",
)
def intake_screen_referral(
    request: AuthedRequest,
    referral_id: int,
    payload: IntakeScreeningIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    referral = get_handled_referral_for_user(request.user, referral_id)
    answers = services.Answers(
        age=payload.age,
        involvement=payload.involvement,
        accountability=payload.accountability,
        voluntary=payload.voluntary,
        residence=_district(payload.residence, "residence"),
    )
    programme = _programme(payload.programme)
    return idempotency.once(
        request,
        idempotency_key,
        f"intake-screening:{referral.pk}",
        lambda: Status(
            201,
            services.screen_referral(
                actor=request.user,
                referral=referral,
                outcome=payload.outcome,
                grounds=payload.reason,
                answers=answers,
                programme=programme,
                referred_to=payload.referred_to,
                expected_version=payload.version,
            ),
        ),
        lambda pk: referral.screenings.get(pk=pk),
    )


@router.post(
    "/intake/referrals/{referral_id}/enrolment",
    response={201: IntakeEnrolmentOut, 404: Error, 409: Error, 422: Error},
    summary="Open the case an eligible referral leads to",
)
def intake_enrol(
    request: AuthedRequest,
    referral_id: int,
    payload: IntakeEnrolmentIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    referral = get_handled_referral_for_user(request.user, referral_id)
    if not policies.can(request.user, "enrolment.write"):
        raise Http404
    return idempotency.once(
        request,
        idempotency_key,
        f"intake-enrolment:{referral.pk}",
        lambda: _enrolled(request, referral, payload.version),
        lambda pk: {"id": pk, "case_id": pk},
    )


def _enrolled(request: AuthedRequest, referral: Referral, version: int) -> Status[Any]:
    case = services.enrol_from_referral(
        actor=request.user, referral=referral, expected_version=version
    )
    return Status(201, {"id": case.pk, "case_id": case.pk})


@router.get(
    "/intake/programmes/{code}/criteria",
    response={200: list[IntakeCriteriaVersionOut], 404: Error},
    summary="Every published version of a programme's eligibility criteria, newest first",
)
def intake_programme_criteria(request: AuthedRequest, code: str) -> Any:
    programme = get_programme_for_user(request.user, code)
    return [
        {
            "number": v.number,
            "published_on": v.published_on,
            "note": v.note,
            "criteria": [
                {"key": c.key, "label": str(c.label), "admits": c.admits}
                for c in criteria.criteria_of(v)
            ],
        }
        for v in programme.criteria_versions.prefetch_related("residence").order_by("-number")
    ]


def _participant_for(request: AuthedRequest, code: str, verb: str) -> Participant:
    participant = Participant.objects.active().filter(code=code.strip().upper()).first()
    if participant is None or not policies.can(request.user, f"classification.{verb}", participant):
        raise Http404
    return participant


def _classification_out(found: Any) -> dict[str, Any]:
    row, details = found
    return {
        "group": details.group.name if details.group else None,
        "involvement": details.involvement,
        "roles": details.roles,
        "joined": details.joined,
        "age_at_first_involvement": details.age_at_first_involvement,
        "months_in_group": details.months_in_group,
        "child_recruited": details.child_recruited,
        "version": row.version,
    }


@router.get(
    "/intake/participants/{code}/classification",
    response={200: IntakeClassificationOut, 404: Error},
    summary="Who the person was in the group (sealed; the roles that need it; reading recorded)",
)
def intake_get_classification(request: AuthedRequest, code: str) -> Any:
    participant = _participant_for(request, code, "read")
    found = services.read_classification(actor=request.user, participant=participant)
    if found is None:
        raise Http404
    return _classification_out(found)


@router.put(
    "/intake/participants/{code}/classification",
    response={200: IntakeClassificationOut, 404: Error, 409: Error, 422: Error},
    summary="Record or correct who the person was in the group",
)
def intake_put_classification(
    request: AuthedRequest, code: str, payload: IntakeClassificationIn
) -> Any:
    participant = _participant_for(request, code, "write")
    group = None
    if payload.group_id is not None:
        group = ArmedGroup.objects.filter(pk=payload.group_id).first()
        if group is None:
            raise ValidationError({"group_id": _("Unknown group.")})
    services.record_classification(
        actor=request.user,
        participant=participant,
        group=group,
        involvement=payload.involvement,
        roles=payload.roles,
        joined=payload.joined,
        age_at_first_involvement=payload.age_at_first_involvement,
        months_in_group=payload.months_in_group,
        expected_version=payload.version,
    )
    return _classification_out(
        services.read_classification(actor=request.user, participant=participant)
    )


@router.post(
    "/intake/referrals/{referral_id}/confirmation",
    response={200: IntakeReferralOut, 404: Error, 409: Error, 422: Error},
    summary="A programme manager confirms an eligibility the programme gates (a leader)",
)
def intake_confirm_eligibility(
    request: AuthedRequest, referral_id: int, payload: IntakeConfirmationIn
) -> Any:
    referral = get_referral_for_user(request.user, referral_id)
    if not policies.can(request.user, "eligibility_confirmation.write", referral):
        raise Http404
    return services.confirm_eligibility(
        actor=request.user, referral=referral, expected_version=payload.version
    )


class IntakeLegalBasisIn(Schema):
    kind: str = Field(..., description="law, order or court_direction")
    reference: str = Field(..., max_length=300)
    reports_to: str = Field(..., max_length=200)
    version: int | None = None


class IntakeLegalBasisOut(Schema):
    kind: str
    reference: str
    reports_to: str
    version: int


@router.get(
    "/intake/programmes/{code}/legal-basis",
    response={200: IntakeLegalBasisOut, 404: Error},
    summary="A programme's legal basis and the body it reports to",
)
def intake_get_legal_basis(request: AuthedRequest, code: str) -> Any:
    programme = get_programme_for_user(request.user, code)
    basis = LegalBasis.objects.filter(programme=programme).first()
    if basis is None:
        raise Http404
    return basis


@router.put(
    "/intake/programmes/{code}/legal-basis",
    response={200: IntakeLegalBasisOut, 404: Error, 409: Error, 422: Error},
    summary="Record or correct a programme's legal basis (its configurers)",
)
def intake_put_legal_basis(request: AuthedRequest, code: str, payload: IntakeLegalBasisIn) -> Any:
    programme = get_programme_for_user(request.user, code)
    if not policies.may_configure_programmes_of(request.user, programme.lead_organisation):
        raise Http404
    return services.set_legal_basis(
        actor=request.user,
        programme=programme,
        kind=payload.kind,
        reference=payload.reference,
        reports_to=payload.reports_to,
        expected_version=payload.version,
    )


class IntakeWomenStaffOut(Schema):
    applies: bool = Field(..., description="the programme's women-and-girls rule is on")
    flagged: bool = Field(
        ..., description="a role a woman should fill is not, though her organisations have one"
    )
    missing: list[str] = Field(..., description="the roles missing (case_worker, psychologist)")


@router.get(
    "/cases/{case_id}/women-staff",
    response={200: IntakeWomenStaffOut, 404: Error},
    summary="The women-and-girls rule on a case: a female case worker and psychologist",
)
def intake_case_women_staff(request: AuthedRequest, case_id: int) -> Any:
    """The flag the case page shows, for those who read the case's team."""
    case = get_case_for_user(request.user, case_id, "case_detail")
    missing = women.gaps(case)
    return {
        "applies": case.participant.sex == "f" and women.rule_applies(case.programme_id),
        "flagged": bool(missing),
        "missing": [str(gap.role) for gap in missing],
    }
