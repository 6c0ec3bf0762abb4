"""API: registering participants (with the same duplicate check), summaries and identity."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Status

from bahali.accounts import policies
from bahali.api.errors import ApiError
from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.geography.models import Community, District
from bahali.registry import services
from bahali.registry.lookups import get_participant_for_user
from bahali.registry.models import Language, Participant

router = Router(tags=["participants"])

PENDING_MESSAGE = gettext_lazy(
    "This person is registered already (the code is given). Your organisation will work with "
    "the record once a data steward of an organisation holding it approves, or once the "
    "person consents to sharing with your kind of organisation."
)


class IdentityIn(Schema):
    name: str = Field("", max_length=200)
    name_native: str = Field("", max_length=200)
    father_name: str = Field("", max_length=200)
    father_name_native: str = Field("", max_length=200)
    cnic: str = Field("", max_length=20)
    birth_date: datetime.date | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=300)

    def to_identity(self) -> services.Identity:
        return services.Identity(**self.dict(include=set(IdentityIn.model_fields)))


class RegistrationIn(IdentityIn):
    sex: str = Field(..., pattern="^[mf]$")
    district: str = Field(..., min_length=3, max_length=3, description="District code, e.g. SWT")
    home_community_id: int | None = None
    languages: list[str] = Field(
        [],
        max_length=len(Language.values),
        description="Language codes: " + ", ".join(Language.values),
        json_schema_extra={"items": {"type": "string", "enum": list(Language.values)}},
    )
    decision: str = Field(
        "check",
        description=(
            "'check': look for people already registered within your reach (whose identity "
            "you may read, or who consented to sharing with your kind of organisation): 409 "
            "with them, or 200 with none; it never registers. 'new': "
            "register, remembering the candidates given in 'different_from' as other people. "
            "'same:<code>': your organisation works with that participant instead: 200 when "
            "linked (your organisation holds the record, or the participant consented to "
            "sharing with your kind of organisation), else 202: a data steward of an "
            "organisation holding the record decides, and nothing opens until then."
        ),
    )
    different_from: list[str] = []


class IdentityOut(Schema):
    name: str
    name_native: str
    father_name: str
    father_name_native: str
    cnic: str
    birth_date: datetime.date | None
    birth_year: int | None
    phone: str
    address: str


class IdentityUpdate(IdentityIn):
    version: int
    reason: str = ""


class ParticipantOut(Schema):
    code: str
    district: str
    sex: str
    age_band: str
    is_juvenile: bool
    home_community_id: int | None
    languages: str
    version: int
    created_at: datetime.datetime

    @staticmethod
    def resolve_district(obj: Participant) -> str:
        return obj.district.code


class ReasonOut(Schema):
    code: str
    label: str
    weight: float


class CandidateOut(Schema):
    code: str
    score: float
    decision: str
    reasons: list[ReasonOut]


class CandidatesOut(Schema):
    error: dict[str, object]
    candidates: list[CandidateOut]


class NoCandidatesOut(Schema):
    candidates: list[CandidateOut]
    message: str


class LinkPendingOut(Schema):
    code: str
    status: str
    message: str


@router.post(
    "/participants",
    response={
        201: ParticipantOut,
        200: ParticipantOut | NoCandidatesOut,
        202: LinkPendingOut,
        404: Error,
        409: CandidatesOut,
        422: Error,
    },
    summary="Register a participant, after the duplicate check",
)
def register(request: AuthedRequest, payload: RegistrationIn) -> Status[object]:
    if not policies.can(request.user, "registration.write"):
        raise ApiError(403, "forbidden", _("You are not allowed to do this."))
    district = District.objects.filter(code=payload.district.upper()).first()
    if district is None:
        raise ValidationError({"district": _("Unknown district code.")})
    identity = payload.to_identity()
    if payload.decision.startswith("same:"):
        existing = get_object_or_404(Participant.objects.active(), code=payload.decision[5:])
        try:
            outcome = services.confirm_same_person(
                actor=request.user,
                participant=existing,
                identity=identity,
                sex=payload.sex,
                district=district,
            )
        except Participant.DoesNotExist:
            raise ApiError(404, "not_found", _("Not found.")) from None
        if outcome.pending:
            return Status(
                202,
                {"code": existing.code, "status": "pending", "message": str(PENDING_MESSAGE)},
            )
        return Status(200, existing)
    if payload.decision not in {"check", "new"}:
        raise ValidationError({"decision": _("Use 'check', 'new' or 'same:<code>'.")})
    if payload.decision == "check":
        services.check_identity(identity, payload.sex)  # as on saving: no candidates for 2031
        candidates = services.in_scope(
            request.user, services.find_candidates(identity, sex=payload.sex, district=district)
        )
        if not candidates:
            return Status(
                200,
                {
                    "candidates": [],
                    "message": _(
                        "No one you may see matches. Nothing was registered: send "
                        "'decision': 'new' to register."
                    ),
                },
            )
        services.record_candidate_views(
            actor=request.user, participants=[c.participant for c in candidates]
        )
        body = {
            "error": {
                "code": "possible_duplicates",
                "message": _("People already registered may be this person."),
                "details": [],
            },
            "candidates": [
                {
                    "code": c.participant.code,
                    "score": c.comparison.score,
                    "decision": c.comparison.decision,
                    "reasons": [
                        {"code": r.code, "label": r.label, "weight": r.weight} for r in c.reasons
                    ],
                }
                for c in candidates
            ],
        }
        return Status(409, body)
    community = None
    if payload.home_community_id is not None:
        community = Community.objects.filter(pk=payload.home_community_id).first()
        if community is None:
            raise ValidationError({"home_community_id": _("Unknown community.")})
    participant = services.register_participant(
        actor=request.user,
        identity=identity,
        sex=payload.sex,
        district=district,
        home_community=community,
        languages=",".join(payload.languages),
        different_from=Participant.objects.filter(code__in=payload.different_from),
    )
    return Status(201, participant)


@router.get("/participants", response=list[ParticipantOut], summary="Participants you may see")
@paginate(Pagination)
def list_participants(request: AuthedRequest) -> QuerySet[Participant]:
    return Participant.objects.visible_to(request.user).active().select_related("district")


@router.get(
    "/participants/{code}", response={200: ParticipantOut, 404: Error}, summary="One participant"
)
def get_participant(request: AuthedRequest, code: str) -> Participant:
    return get_participant_for_user(request.user, code)


@router.get(
    "/participants/{code}/identity",
    response={200: IdentityOut, 404: Error, 422: Error},
    summary="A participant's identity (audited)",
    description=(
        "Programme managers hold the identity on request (DESIGN.md §2): they must give "
        "`purpose` (one of safety, verification, legal, oversight, correction, other) and "
        "`statement` (10 to 500 characters), recorded with the read; without them the "
        "answer is 422 and nothing is opened. Others may state a purpose too."
    ),
)
def get_identity(
    request: AuthedRequest,
    code: str,
    purpose: str = Query("", max_length=20),
    statement: str = Query("", max_length=services.STATEMENT_MAX),
) -> services.Identity:
    participant = get_participant_for_user(request.user, code, "identity")
    return services.read_identity(
        actor=request.user,
        participant=participant,
        purpose="api",
        stated_purpose=purpose,
        statement=statement,
    )


@router.put(
    "/participants/{code}/identity",
    response={200: ParticipantOut, 404: Error, 409: Error, 422: Error},
    summary="Correct a participant's identity (with the version you read)",
)
def update_identity(request: AuthedRequest, code: str, payload: IdentityUpdate) -> Participant:
    participant = get_participant_for_user(request.user, code, "identity")
    if not policies.can(request.user, "participant_record.write", participant):
        raise ApiError(404, "not_found", _("Not found."))
    return services.update_identity(
        actor=request.user,
        participant=participant,
        identity=payload.to_identity(),
        expected_version=payload.version,
        reason=payload.reason,
    )
