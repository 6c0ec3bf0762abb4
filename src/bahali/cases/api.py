"""API: cases, teams, transitions and their sign-offs, "My work" — the pages' services."""

from __future__ import annotations

import datetime

from django.db.models import BooleanField, Exists, OuterRef, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status
from pydantic import field_validator

from bahali.accounts import policies
from bahali.accounts.models import Membership, User
from bahali.api import idempotency
from bahali.api.errors import ApiError
from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.cases import services, work
from bahali.cases.filters import CaseFilter
from bahali.cases.lookups import (
    get_case_for_user,
    get_sign_off_for_user,
    get_transition_request_for_user,
)
from bahali.cases.models import Case, Closure, SignOff, TeamMember, TransitionRequest
from bahali.core.http import AuthedRequest
from bahali.core.versioning import Stale
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation
from bahali.programmes.models import Programme
from bahali.registry.models import Participant

router = Router(tags=["cases"])


class CaseOut(Schema):
    """A case. Who reads the case summary only (a security liaison: code, programme, phase,
    status, risk band and district, DESIGN.md §2) gets null for the lead organisation, the
    referral, the receiving community and committee and the enrolment date."""

    id: int
    participant: str
    programme: str
    phase: str
    phase_entered_on: datetime.date
    days_in_phase: int
    lead_organisation_id: int | None
    district: str
    referral_source: str | None
    referred_by_id: int | None
    receiving_community_id: int | None
    receiving_committee_id: int | None
    risk_band: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    closure: str
    version: int

    @staticmethod
    def resolve_lead_organisation_id(obj: Case) -> int | None:
        return obj.lead_organisation_id if _shows_detail(obj) else None

    @staticmethod
    def resolve_referral_source(obj: Case) -> str | None:
        return obj.referral_source if _shows_detail(obj) else None

    @staticmethod
    def resolve_referred_by_id(obj: Case) -> int | None:
        return obj.referred_by_id if _shows_detail(obj) else None

    @staticmethod
    def resolve_receiving_community_id(obj: Case) -> int | None:
        return obj.receiving_community_id if _shows_detail(obj) else None

    @staticmethod
    def resolve_receiving_committee_id(obj: Case) -> int | None:
        return obj.receiving_committee_id if _shows_detail(obj) else None

    @staticmethod
    def resolve_opened_on(obj: Case) -> datetime.date | None:
        return obj.opened_on if _shows_detail(obj) else None

    @staticmethod
    def resolve_participant(obj: Case) -> str:
        return obj.participant.code

    @staticmethod
    def resolve_programme(obj: Case) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_phase(obj: Case) -> str:
        return obj.phase.code

    @staticmethod
    def resolve_district(obj: Case) -> str:
        return obj.district.code


def _shows_detail(case: Case) -> bool:
    """Whether the reader may read beyond the case's summary: set by the operation that
    read the case (``case_detail`` permission); a case just enrolled is its enroller's."""
    return bool(getattr(case, "shows_detail", True))


class TeamMemberOut(Schema):
    id: int
    membership_id: int
    username: str
    organisation_id: int
    case_role: str
    joined_on: datetime.date
    left_on: datetime.date | None

    @staticmethod
    def resolve_username(obj: TeamMember) -> str:
        return obj.membership.user.username

    @staticmethod
    def resolve_organisation_id(obj: TeamMember) -> int:
        return obj.membership.organisation_id


class PhaseChangeOut(Schema):
    from_phase: str | None
    to_phase: str | None
    closure: str
    changed_on: datetime.date
    request_id: int | None
    reason: str | None  # null for whoever reads the case summary only


class SignOffOut(Schema):
    id: int
    organisation_id: int
    organisation_kind: str
    decision: str
    reason: str
    objection: str
    answer: str
    signed_at: datetime.datetime

    @staticmethod
    def resolve_signed_at(obj: SignOff) -> datetime.datetime:
        return obj.updated_at


class GateOut(Schema):
    required_kinds: list[str]
    missing_kinds: list[str]
    approvals: int
    approvals_required: int
    open_objections: list[int]
    requirements_missing: list[str]
    is_met: bool


class RequestOut(Schema):
    id: int
    case_id: int
    from_phase: str
    to_phase: str
    reason: str
    status: str
    requested_at: datetime.datetime
    overridden: bool
    override_reason: str
    override_reference: str
    sign_offs: list[SignOffOut]
    gate: GateOut

    @staticmethod
    def resolve_from_phase(obj: TransitionRequest) -> str:
        return obj.transition.from_phase.code

    @staticmethod
    def resolve_to_phase(obj: TransitionRequest) -> str:
        return obj.transition.to_phase.code

    @staticmethod
    def resolve_requested_at(obj: TransitionRequest) -> datetime.datetime:
        return obj.created_at

    @staticmethod
    def resolve_overridden(obj: TransitionRequest) -> bool:
        return obj.is_overridden

    @staticmethod
    def resolve_sign_offs(obj: TransitionRequest) -> list[SignOff]:
        return list(obj.sign_offs.all())

    @staticmethod
    def resolve_gate(obj: TransitionRequest) -> dict[str, object]:
        status = services.gate_status(obj)
        return {
            "required_kinds": status.required_kinds,
            "missing_kinds": status.missing_kinds,
            "approvals": status.approvals,
            "approvals_required": status.approvals_required,
            "open_objections": [s.pk for s in status.open_objections],
            "requirements_missing": [str(m) for m in status.requirements_missing],
            "is_met": status.is_met,
        }


class CaseDetailOut(CaseOut):
    """One case. ``team``, the reasons in ``history`` and ``pending_request`` are beyond the
    case summary (DESIGN.md §2): null for whoever reads the summary only (a security
    liaison), as ``get_case`` decides through the ``case_detail`` permission."""

    team: list[TeamMemberOut] | None
    history: list[PhaseChangeOut]
    pending_request: RequestOut | None

    @staticmethod
    def resolve_team(obj: Case) -> list[TeamMember] | None:
        if not _shows_detail(obj):
            return None
        return list(obj.team.filter(left_on__isnull=True).select_related("membership__user"))

    @staticmethod
    def resolve_history(obj: Case) -> list[dict[str, object]]:
        changes = obj.phase_changes.select_related("from_phase", "to_phase").order_by("pk")
        shows_detail = _shows_detail(obj)
        return [
            {
                "from_phase": c.from_phase.code if c.from_phase else None,
                "to_phase": c.to_phase.code if c.to_phase else None,
                "closure": c.closure,
                "changed_on": c.changed_on,
                "request_id": c.request_id if shows_detail else None,
                "reason": c.reason if shows_detail else None,
            }
            for c in changes
        ]

    @staticmethod
    def resolve_pending_request(obj: Case) -> TransitionRequest | None:
        if not _shows_detail(obj):
            return None
        return _requests(obj).filter(status=TransitionRequest.Status.PENDING).first()


class EnrolIn(Schema):
    participant: str = Field(..., description="The participant's code")
    programme: str = Field(..., description="The programme's code")
    entry_phase: str = Field("", description="An entry phase's code (default: the first)")
    referral_source: str
    referred_by_id: int | None = None
    district: str = Field("", description="District code (default: the participant's)")
    receiving_community_id: int | None = None
    receiving_committee_id: int | None = None


class TeamMemberIn(Schema):
    membership_id: int
    case_role: str


class TransitionIn(Schema):
    to_phase: str = Field(..., description="The code of the phase to move to")
    reason: str = Field(..., max_length=4000)
    version: int = Field(..., description="The case's version you read")


class SignOffIn(Schema):
    decision: str = Field(..., pattern="^(approve|object)$")
    reason: str = Field(..., max_length=4000)
    organisation_id: int | None = Field(
        None, description="Which of your organisations signs, when you hold several"
    )


class AnswerIn(Schema):
    answer: str = Field(..., max_length=4000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=4000)


class OverrideIn(Schema):
    reason: str = Field(..., max_length=4000)
    reference: str = Field(..., max_length=200)


class CloseIn(Schema):
    closure: str = Field(..., pattern="^(withdrawn|exited|transferred)$")
    note: str = Field(..., max_length=4000)


class WorkItemOut(Schema):
    kind: str
    title: str
    url: str
    case_label: str = Field(..., description="The participant's code (or a reference)")
    where: str = Field(..., description="The case's programme, when the item is about a case")
    due: datetime.date | None
    overdue: bool
    detail: str

    @field_validator("title", "where", "detail", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return str(value)  # translated lazily in the item, as text in the answer


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


def _requests(case: Case) -> QuerySet[TransitionRequest]:
    return case.transition_requests.select_related(
        "transition__from_phase", "transition__to_phase", "case__participant"
    ).prefetch_related("sign_offs")


def _lookup(model: type, pk: int | None, field: str) -> object | None:
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk).first()  # type: ignore[attr-defined]
    if found is None:
        raise ApiError(
            422,
            "invalid",
            _("The request is not valid."),
            [{"field": field, "message": _("Unknown.")}],
        )
    return found


@router.get(
    "/cases",
    response={200: list[CaseOut], 422: Error},
    summary="Cases you may see",
)
@paginate(Pagination)
def list_cases(
    request: AuthedRequest,
    programme: str = "",
    phase: str = "",
    district: str = "",
    organisation: str = "",
    risk_band: str = "",
    status: str = "open",
    overdue: bool = False,
    waiting: bool = False,
    overridden: bool = False,
    q: str = "",
) -> QuerySet[Case]:
    """The case list's filters (``cases/filters.py``), the same as the page's: programme,
    phase and district by code, organisation by id, risk band, status (open, closed or all),
    only overdue, only waiting for sign-offs, only with a gate override, and part of the
    participant's code. An invalid value answers 422 naming the field."""
    filters = CaseFilter(request.GET, user=request.user)
    if not filters.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), filters.problems())
    cases = filters.filter(Case.objects.visible_to(request.user))
    return (
        _with_detail(cases, request.user)
        .select_related("participant", "programme", "phase", "district")
        .only(*CASE_OUT_COLUMNS)
        .order_by("-opened_on", "-pk")
    )


# What ``CaseOut`` reads of a case and its related rows (a list of 100 read some 80
# columns a row, each converted, for 17 fields).
CASE_OUT_COLUMNS = (
    "participant__code",
    "programme__code",
    "phase__code",
    "district__code",
    "phase_entered_on",
    "lead_organisation_id",
    "referral_source",
    "referred_by_id",
    "receiving_community_id",
    "receiving_committee_id",
    "risk_band",
    "opened_on",
    "closed_on",
    "closure",
    "version",
)


def _with_detail(cases: QuerySet[Case], user: User) -> QuerySet[Case]:
    """Each case says whether the user reads beyond its summary, in the same query."""
    if not policies.can(user, "case_detail.read"):
        return cases.annotate(shows_detail=Value(False, output_field=BooleanField()))
    detail = Case.objects.visible_to(user, "case_detail").filter(pk=OuterRef("pk"))
    return cases.annotate(shows_detail=Exists(detail))


@router.post(
    "/cases",
    response={201: CaseOut, 403: Error, 404: Error, 422: Error},
    summary="Enrol a participant in a programme",
)
def enrol_case(request: AuthedRequest, payload: EnrolIn) -> Status[Case]:
    if not policies.can(request.user, "enrolment.write"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user, "participant_record", "write").active(),
        code=payload.participant,
    )
    programme = get_object_or_404(Programme.objects.all(), code=payload.programme)
    entry = None
    if payload.entry_phase:
        entry = programme.phases.filter(code=payload.entry_phase).first()
        if entry is None:
            raise ApiError(
                422,
                "invalid",
                _("The request is not valid."),
                [
                    {
                        "field": "entry_phase",
                        "message": _("Choose an entry phase of this programme."),
                    }
                ],
            )
    district = None
    if payload.district:
        district = District.objects.filter(code=payload.district.upper()).first()
        if district is None:
            raise ApiError(
                422,
                "invalid",
                _("The request is not valid."),
                [{"field": "district", "message": _("Unknown district code.")}],
            )
    case = services.enrol_participant(
        actor=request.user,
        participant=participant,
        programme=programme,
        entry_phase=entry,
        referral_source=payload.referral_source,
        referred_by=_lookup(Organisation, payload.referred_by_id, "referred_by_id"),  # type: ignore[arg-type]
        district=district,
        receiving_community=_lookup(
            Community, payload.receiving_community_id, "receiving_community_id"
        ),  # type: ignore[arg-type]
        receiving_committee=_lookup(
            Organisation, payload.receiving_committee_id, "receiving_committee_id"
        ),  # type: ignore[arg-type]
    )
    return Status(201, case)


@router.get("/cases/{pk}", response={200: CaseDetailOut, 404: Error}, summary="One case")
def get_case(request: AuthedRequest, pk: int) -> Case:
    case = get_case_for_user(request.user, pk)
    case.shows_detail = policies.can(request.user, "case_detail.read", case)  # type: ignore[attr-defined]
    return case


@router.post(
    "/cases/{pk}/team",
    response={201: TeamMemberOut, 404: Error, 422: Error},
    summary="Put a member on the case's team (programme managers)",
)
def add_team_member(request: AuthedRequest, pk: int, payload: TeamMemberIn) -> Status[TeamMember]:
    case = get_case_for_user(request.user, pk, "case_team", "write")
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"), pk=payload.membership_id
    )
    member = services.add_team_member(
        actor=request.user, case=case, membership=membership, case_role=payload.case_role
    )
    return Status(201, member)


@router.delete(
    "/cases/{pk}/team/{member_pk}",
    response={200: TeamMemberOut, 404: Error},
    summary="A member leaves the team",
)
def remove_team_member(request: AuthedRequest, pk: int, member_pk: int) -> TeamMember:
    case = get_case_for_user(request.user, pk, "case_team", "write")
    member = get_object_or_404(case.team.select_related("membership__user"), pk=member_pk)
    return services.remove_team_member(actor=request.user, member=member)


@router.post(
    "/cases/{pk}/transitions",
    response={201: RequestOut, 404: Error, 409: Error, 422: Error},
    summary="Request a transition (applies at once where there is no gate)",
)
def request_transition(
    request: AuthedRequest,
    pk: int,
    payload: TransitionIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[TransitionRequest]:
    case = get_case_for_user(request.user, pk, "transition", "write")

    def act() -> Status[TransitionRequest]:
        if payload.version is not None and payload.version != case.version:
            raise Stale  # moved on since the client read it: its target may lead nowhere now
        transition = case.programme.transitions.filter(
            from_phase=case.phase, to_phase__code=payload.to_phase
        ).first()
        if transition is None:
            raise ApiError(
                422,
                "invalid",
                _("The request is not valid."),
                [{"field": "to_phase", "message": _("No transition leads there from this phase.")}],
            )
        made = services.request_transition(
            actor=request.user,
            case=case,
            transition=transition,
            reason=payload.reason,
            expected_version=payload.version,
        )
        return Status(201, _requests(case).get(pk=made.pk))

    return idempotency.once(
        request,
        idempotency_key,
        f"transition:{case.pk}",
        act,
        lambda made: _requests(case).get(pk=made),
    )


@router.post(
    "/cases/{pk}/close",
    response={200: CaseOut, 404: Error, 409: Error, 422: Error},
    summary="Close a case as withdrawn, exited or transferred",
)
def close_case(
    request: AuthedRequest,
    pk: int,
    payload: CloseIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Case]:
    case = get_case_for_user(request.user, pk, "transition", "write")
    return idempotency.once(
        request,
        idempotency_key,
        f"close:{case.pk}",
        lambda: Status(
            200,
            services.close_case(
                actor=request.user, case=case, closure=Closure(payload.closure), note=payload.note
            ),
        ),
        lambda closed: get_case_for_user(request.user, closed),
    )


@router.get(
    "/transition-requests/{pk}",
    response={200: RequestOut, 404: Error},
    summary="A transition request with its sign-offs and gate status",
)
def get_request(request: AuthedRequest, pk: int) -> TransitionRequest:
    found = get_transition_request_for_user(request.user, pk)
    return _requests(found.case).get(pk=found.pk)


@router.post(
    "/transition-requests/{pk}/sign-offs",
    response={201: SignOffOut, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Approve or object, for your organisation",
)
def sign_request(
    request: AuthedRequest,
    pk: int,
    payload: SignOffIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[SignOff]:
    found = get_transition_request_for_user(request.user, pk)
    if (  # not asked to sign; a request decided meanwhile, or four eyes, is explained instead
        found.status == TransitionRequest.Status.PENDING
        and found.requested_by_id != request.user.pk
        and not services.signing_memberships(request.user, found)
    ):
        raise _not_found()
    organisation = None
    if payload.organisation_id is not None:
        organisation = get_object_or_404(Organisation.objects.all(), pk=payload.organisation_id)
    return idempotency.once(
        request,
        idempotency_key,
        f"sign_off:{found.pk}",
        lambda: Status(
            201,
            services.record_sign_off(
                actor=request.user,
                request=found,
                decision=payload.decision,
                reason=payload.reason,
                organisation=organisation,
            ),
        ),
        lambda signed: SignOff.objects.filter(request=found).get(pk=signed),
    )


@router.post(
    "/transition-requests/{pk}/cancel",
    response={200: RequestOut, 404: Error, 409: Error, 422: Error},
    summary="Withdraw a waiting request",
)
def cancel_request(
    request: AuthedRequest,
    pk: int,
    payload: ReasonIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[TransitionRequest]:
    found = get_transition_request_for_user(request.user, pk)
    if not policies.can(request.user, "transition.write", found.case):
        raise _not_found()
    return idempotency.once(
        request,
        idempotency_key,
        f"cancel:{found.pk}",
        lambda: Status(
            200,
            _requests(found.case).get(
                pk=services.cancel_request(
                    actor=request.user, request=found, reason=payload.reason
                ).pk
            ),
        ),
        lambda cancelled: _requests(found.case).get(pk=cancelled),
    )


@router.post(
    "/transition-requests/{pk}/override",
    response={200: RequestOut, 404: Error, 409: Error, 422: Error},
    summary="Documented override of a gate (data stewards; flagged to oversight)",
)
def override_gate(
    request: AuthedRequest,
    pk: int,
    payload: OverrideIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[TransitionRequest]:
    found = get_transition_request_for_user(request.user, pk)
    if not policies.can(request.user, "gate_override.write", found.case):
        raise _not_found()

    def act() -> Status[TransitionRequest]:
        services.override_gate(
            actor=request.user, request=found, reason=payload.reason, reference=payload.reference
        )
        return Status(200, _requests(found.case).get(pk=found.pk))

    return idempotency.once(
        request,
        idempotency_key,
        f"override:{found.pk}",
        act,
        lambda overridden: _requests(found.case).get(pk=overridden),
    )


@router.post(
    "/sign-offs/{pk}/answer",
    response={200: SignOffOut, 404: Error, 409: Error, 422: Error},
    summary="Answer an objection",
)
def answer_objection(
    request: AuthedRequest,
    pk: int,
    payload: AnswerIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[SignOff]:
    sign_off = get_sign_off_for_user(request.user, pk)
    if not policies.can(request.user, "transition.write", sign_off.request.case):
        raise _not_found()
    return idempotency.once(
        request,
        idempotency_key,
        f"answer:{sign_off.pk}",
        lambda: Status(
            200,
            services.answer_objection(actor=request.user, sign_off=sign_off, answer=payload.answer),
        ),
        lambda answered: get_sign_off_for_user(request.user, answered),
    )


@router.post(
    "/sign-offs/{pk}/withdraw",
    response={200: SignOffOut, 404: Error, 409: Error, 422: Error},
    summary="Withdraw your organisation's objection",
)
def withdraw_objection(
    request: AuthedRequest, pk: int, idempotency_key: str | None = idempotency.key_header()
) -> Status[SignOff]:
    sign_off = get_sign_off_for_user(request.user, pk)
    if not any(
        m.organisation_id == sign_off.organisation_id for m in request.user.active_memberships()
    ):
        raise _not_found()
    return idempotency.once(
        request,
        idempotency_key,
        f"withdraw:{sign_off.pk}",
        lambda: Status(200, services.withdraw_objection(actor=request.user, sign_off=sign_off)),
        lambda withdrawn: get_sign_off_for_user(request.user, withdrawn),
    )


@router.get(
    "/sign-offs",
    response=list[RequestOut],
    summary="Requests waiting for your decision",
    description="Oldest first, a page at a time (``limit``, ``offset``); ``count`` is the total.",
)
@paginate(Pagination)
def sign_off_queue(request: AuthedRequest) -> services.SignOffQueue:
    return services.SignOffQueue(request.user)


@router.get(
    "/me/work",
    response=list[WorkItemOut],
    summary="My work: what waits for you",
    description="Warnings first, then the oldest (most overdue), a page at a time "
    "(``limit``, ``offset``); ``count`` is the total.",
)
@paginate(Pagination)
def my_work(request: AuthedRequest) -> work.Pages:
    return work.Pages(request.user)
