"""Three ready programme configurations, modelled on the reference programmes of DESIGN.md §1.

They are data: ``services.load_blueprint`` turns one into rows that a programme manager
then edits through the pages. No reference programme's own documents are reproduced; the
phases and gates are our reading of how each model works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from bahali.organisations.models import OrganisationKind as Kind
from bahali.programmes.models import ProgrammeModel


@dataclass(frozen=True)
class PhaseSpec:
    code: str
    names: tuple[str, str, str]  # English, Urdu, Pashto
    entry: bool = False
    final: bool = False
    aftercare: bool = False
    consent: bool = False
    pledge: bool = False
    instruments: tuple[str, ...] = ()
    reassess_every_days: int | None = None  # progress reassessment in this phase
    residential: bool = False  # the person lives at a centre, in prison, at a halfway house
    expected_days: int | None = None  # how long a stay is expected to last


@dataclass(frozen=True)
class GateSpec:
    source: str
    target: str
    kinds: tuple[Kind, ...] = ()
    approvals: int = 0
    objection_blocks: bool = True


@dataclass(frozen=True)
class Blueprint:
    key: str
    model: ProgrammeModel
    names: tuple[str, str, str]
    description: Any
    aftercare_months: int
    pledge_at_enrolment: bool
    phases: tuple[PhaseSpec, ...]
    gates: tuple[GateSpec, ...] = field(default_factory=tuple)


REFERRED = PhaseSpec("referred", ("Referred", "حوالہ موصول", "راجع شوی"), entry=True)
COMPLETED = PhaseSpec("completed", ("Completed", "مکمل", "بشپړ"), final=True)
AFTERCARE = PhaseSpec(
    "aftercare",
    ("Aftercare", "بعد کی نگہداشت", "وروسته پاملرنه"),
    aftercare=True,
    consent=True,
    instruments=("progress",),
    reassess_every_days=180,
)

CENTRE = Blueprint(
    key="centre",
    model=ProgrammeModel.CENTRE,
    names=("Centre-based rehabilitation", "مرکز میں بحالی", "په مرکز کې بیارغونه"),
    description=_(
        "Referral by the security forces, screening and residential rehabilitation at a "
        "centre, then a bridge into the receiving community and aftercare (as Sabaoon for "
        "juveniles and Mishal for adults in Swat)."
    ),
    aftercare_months=12,
    pledge_at_enrolment=False,
    phases=(
        REFERRED,
        PhaseSpec("screening", ("Screening", "جانچ", "لومړنۍ ارزونه"), instruments=("screening",)),
        PhaseSpec(
            "intake",
            ("Intake", "داخلہ", "داخله"),
            entry=True,
            consent=True,
            instruments=("factors", "needs"),
            residential=True,
            expected_days=30,
        ),
        PhaseSpec(
            "rehabilitation",
            ("Rehabilitation", "بحالی", "بیارغونه"),
            consent=True,
            pledge=True,
            instruments=("progress",),
            reassess_every_days=90,
            residential=True,
            expected_days=365,
        ),
        PhaseSpec(
            "transition",
            ("Transition", "منتقلی", "انتقال"),
            consent=True,
            pledge=True,
            instruments=("community_readiness",),
        ),
        PhaseSpec(
            "reintegration",
            ("Reintegration", "معاشرے میں واپسی", "ټولنې ته بېرته ورګډېدل"),
            consent=True,
            pledge=True,
        ),
        AFTERCARE,
        COMPLETED,
    ),
    gates=(
        GateSpec("referred", "screening"),
        GateSpec("screening", "intake", (Kind.REHABILITATION_CENTRE,), 1),
        GateSpec("intake", "rehabilitation", (Kind.REHABILITATION_CENTRE,), 1),
        GateSpec(
            "rehabilitation",
            "transition",
            (Kind.REHABILITATION_CENTRE, Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE),
            3,
        ),
        GateSpec(
            "transition", "reintegration", (Kind.REHABILITATION_CENTRE, Kind.COMMUNITY_COMMITTEE), 2
        ),
        GateSpec("reintegration", "aftercare", (Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE), 2),
        GateSpec(
            "aftercare",
            "completed",
            (Kind.REHABILITATION_CENTRE, Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE),
            3,
        ),
    ),
)

PRISON = Blueprint(
    key="prison",
    model=ProgrammeModel.PRISON,
    names=(
        "Prison-based counselling and care",
        "جیل میں مشاورت اور نگہداشت",
        "په زندان کې مشوره او پاملرنه",
    ),
    description=_(
        "Counselling in prison, the family involved before release, a halfway phase, then "
        "aftercare with support payments (as Saudi Arabia's counselling and care centre)."
    ),
    aftercare_months=24,
    pledge_at_enrolment=False,
    phases=(
        REFERRED,
        PhaseSpec(
            "counselling",
            ("Counselling in prison", "جیل میں مشاورت", "په زندان کې مشوره"),
            entry=True,
            consent=True,
            instruments=("screening", "factors", "needs"),
            residential=True,
            expected_days=180,
        ),
        PhaseSpec(
            "family",
            ("Family involvement", "خاندان کی شمولیت", "د کورنۍ ګډون"),
            consent=True,
            pledge=True,
            instruments=("progress",),
            reassess_every_days=90,
            residential=True,
            expected_days=180,
        ),
        PhaseSpec(
            "halfway",
            ("Halfway phase", "عبوری مرکز", "منځنی پړاو"),
            consent=True,
            pledge=True,
            instruments=("progress", "community_readiness"),
            reassess_every_days=90,
            residential=True,
            expected_days=90,
        ),
        AFTERCARE,
        COMPLETED,
    ),
    gates=(
        GateSpec("referred", "counselling", (Kind.PRISON_SERVICE,), 1),
        GateSpec("counselling", "family", (Kind.PRISON_SERVICE,), 1),
        GateSpec("family", "halfway", (Kind.PRISON_SERVICE, Kind.CIVIL_SOCIETY), 2),
        GateSpec("halfway", "aftercare", (Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE), 2),
        GateSpec("aftercare", "completed", (Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE), 2),
    ),
)

COMMUNITY = Blueprint(
    key="community",
    model=ProgrammeModel.COMMUNITY,
    names=(
        "Community-based exit support",
        "کمیونٹی کی سطح پر علیحدگی میں مدد",
        "په ټولنه کې د وتلو ملاتړ",
    ),
    description=_(
        "Voluntary entry through the family, the police or the person themself; a mentor "
        "and local exit support, no residential phase (as the Aarhus model in Denmark)."
    ),
    aftercare_months=6,
    pledge_at_enrolment=False,
    phases=(
        PhaseSpec(
            "contact",
            ("First contact", "پہلا رابطہ", "لومړۍ اړیکه"),
            entry=True,
            consent=True,
            instruments=("screening",),
        ),
        PhaseSpec(
            "assessment",
            ("Assessment", "جائزہ", "ارزونه"),
            consent=True,
            instruments=("factors", "needs"),
        ),
        PhaseSpec(
            "mentoring",
            ("Mentoring", "رہنمائی", "لارښوونه"),
            consent=True,
            pledge=True,
            instruments=("progress",),
            reassess_every_days=90,
        ),
        PhaseSpec(
            "exit_support",
            ("Exit support", "علیحدگی میں مدد", "د وتلو ملاتړ"),
            consent=True,
            pledge=True,
            instruments=("community_readiness",),
        ),
        AFTERCARE,
        COMPLETED,
    ),
    gates=(
        GateSpec("contact", "assessment"),
        GateSpec("assessment", "mentoring", (Kind.CIVIL_SOCIETY,), 1),
        GateSpec("mentoring", "exit_support", (Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE), 2),
        GateSpec("exit_support", "aftercare", (Kind.CIVIL_SOCIETY,), 1),
        GateSpec("aftercare", "completed", (Kind.CIVIL_SOCIETY, Kind.COMMUNITY_COMMITTEE), 2),
    ),
)

BLUEPRINTS: dict[str, Blueprint] = {b.key: b for b in (CENTRE, PRISON, COMMUNITY)}
