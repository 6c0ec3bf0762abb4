"""API: programmes and their configuration (phases, transitions, gate rules)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.programmes import services
from bahali.programmes.lookups import get_programme_for_user
from bahali.programmes.models import Phase, Programme, Transition

router = Router(tags=["programmes"])


class PhaseOut(Schema):
    id: int
    code: str
    name_en: str
    name_ur: str
    name_ps: str
    order: int
    is_entry: bool
    is_final: bool
    is_aftercare: bool
    requires_consent: bool
    requires_pledge: bool
    instruments: list[str]
    reassess_every_days: int | None


class TransitionOut(Schema):
    id: int
    from_phase: str
    to_phase: str
    required_kinds: list[str]
    approvals_required: int
    objection_blocks: bool

    @staticmethod
    def resolve_from_phase(obj: Transition) -> str:
        return obj.from_phase.code

    @staticmethod
    def resolve_to_phase(obj: Transition) -> str:
        return obj.to_phase.code


class ProgrammeOut(Schema):
    code: str
    name_en: str
    name_ur: str
    name_ps: str
    model: str
    description: str
    lead_organisation_id: int
    aftercare_months: int
    pledge_at_enrolment: bool
    is_active: bool
    version: int
    problems: list[str]
    phases: list[PhaseOut]
    transitions: list[TransitionOut]

    @staticmethod
    def resolve_problems(obj: Programme) -> list[str]:
        return [str(p) for p in services.configuration_problems(obj)]

    @staticmethod
    def resolve_phases(obj: Programme) -> list[Phase]:
        return list(obj.phases.all())

    @staticmethod
    def resolve_transitions(obj: Programme) -> list[Transition]:
        return list(obj.transitions.select_related("from_phase", "to_phase"))


class PhaseIn(Schema):
    version: int = Field(..., description="The programme's version you read")
    code: str = Field(..., max_length=40)
    name_en: str = Field(..., max_length=120)
    name_ur: str = Field("", max_length=120)
    name_ps: str = Field("", max_length=120)
    order: int = Field(..., ge=0, le=32000)
    is_entry: bool = False
    is_final: bool = False
    is_aftercare: bool = False
    requires_consent: bool = False
    requires_pledge: bool = False
    instruments: list[str] = []
    reassess_every_days: int | None = Field(None, ge=1, le=730)


class TransitionIn(Schema):
    version: int = Field(..., description="The programme's version you read")
    from_phase: str
    to_phase: str
    required_kinds: list[str] = []
    approvals_required: int = Field(0, ge=0, le=20)
    objection_blocks: bool = True


@router.get("/programmes", response=list[ProgrammeOut], summary="Programmes")
def list_programmes(request: AuthedRequest) -> list[Programme]:
    return list(Programme.objects.visible_to(request.user))


@router.get("/programmes/{code}", response={200: ProgrammeOut, 404: Error}, summary="One programme")
def get_programme(request: AuthedRequest, code: str) -> Programme:
    return get_programme_for_user(request.user, code)


@router.post(
    "/programmes/{code}/phases",
    response={201: PhaseOut, 404: Error, 409: Error, 422: Error},
    summary="Add a phase (programme managers of the lead organisation)",
)
def add_phase(request: AuthedRequest, code: str, payload: PhaseIn) -> Status[Phase]:
    programme = get_programme_for_user(request.user, code, "write")
    fields = payload.dict()
    version = fields.pop("version")
    phase = services.save_phase(
        actor=request.user, programme=programme, expected_version=version, **fields
    )
    return Status(201, phase)


@router.post(
    "/programmes/{code}/transitions",
    response={201: TransitionOut, 404: Error, 409: Error, 422: Error},
    summary="Add a transition and its gate rule",
)
def add_transition(request: AuthedRequest, code: str, payload: TransitionIn) -> Status[Transition]:
    programme = get_programme_for_user(request.user, code, "write")
    phases = {p.code: p for p in programme.phases.all()}
    ends: dict[str, Phase] = {}
    for side in ("from_phase", "to_phase"):
        phase = phases.get(getattr(payload, side))
        if phase is None:
            raise ApiError(
                422,
                "invalid",
                _("The request is not valid."),
                [{"field": side, "message": _("Choose a phase of this programme.")}],
            )
        ends[side] = phase
    transition = services.save_transition(
        actor=request.user,
        programme=programme,
        expected_version=payload.version,
        required_kinds=payload.required_kinds,
        approvals_required=payload.approvals_required,
        objection_blocks=payload.objection_blocks,
        from_phase=ends["from_phase"],
        to_phase=ends["to_phase"],
    )
    return Status(201, transition)
