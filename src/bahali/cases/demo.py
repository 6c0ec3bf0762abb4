"""Demo cases: the three programmes with cases in every phase, walked through the real
services (gates, sign-offs, objections), so a newcomer meets a living programme.

All people are invented. After each case is walked, its dates are spread into the past so
the timeline and "time in phase" read like months of work rather than one afternoon.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from bahali.accounts.models import Membership, User
from bahali.cases import due, services
from bahali.cases.models import Case, CaseRole, PhaseChange, SignOff, TransitionRequest
from bahali.core.context import SYSTEM
from bahali.core.demo import DemoWorld
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation
from bahali.programmes.models import Programme
from bahali.programmes.services import load_blueprint
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose, Participant, Pledge

FIRST = ["Zahid", "Imran", "Noor", "Sher", "Fazal", "Wali", "Gulab", "Jamil", "Amjad", "Hazrat",
         "Saeed", "Akbar", "Naveed", "Shams", "Iqbal", "Rafiq", "Bakht", "Habib", "Ikram", "Latif",
         "Murad", "Qasim", "Riaz", "Tahir", "Umar", "Yasin"]  # fmt: skip
FATHERS = ["Gul Zada", "Sultan", "Mir Afzal", "Khan Bahadur", "Fazal Karim", "Sher Ali",
           "Abdul Wahab", "Taj Muhammad", "Rehman Gul", "Zarin Khan"]  # fmt: skip


@dataclass(frozen=True)
class DemoCast:
    """Who plays which part in the demo's pathway."""

    lead_case_worker: dict[str, User]
    signer: dict[str, User]  # organisation kind -> the member who signs for it
    team: dict[str, list[tuple[User, CaseRole]]]
    lead_organisation: dict[str, Organisation]


def _member(user: User, organisation: Organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation, is_active=True)


@dataclass(frozen=True)
class DemoCases:
    """What the demo's cases give the other apps' demo loaders to build on."""

    organisations: dict[str, Organisation]  # by the keys of ``core.demo.ORGANISATIONS``
    district: District  # Swat
    cases: list[Case]  # every demo case, in every phase
    progress: Callable[[str], None]  # hears each step as it starts


CaseLoader = Callable[[DemoCases], None]
# The demo loaders of the apps built on cases (casework, assessments, ...), by name: (order,
# loader). Each registers its own from ``AppConfig.ready``, so this app imports none of them.
LOADERS: dict[str, tuple[int, CaseLoader]] = {}
STEPS: dict[str, str] = {}  # what the demo prints as each loader starts


def register_loader(name: str, loader: CaseLoader, *, order: int, step: str = "") -> None:
    """Have the demo call ``loader`` once its cases exist (the same name again replaces it)."""
    LOADERS[name] = (order, loader)
    STEPS[name] = step or name


def load_demo(world: DemoWorld) -> None:
    """The demo loader this app registers with ``bahali.core.demo``. Due dates are
    recomputed once per case at the end, not after every row the walk writes."""
    with due.deferred():
        load_demo_cases(world.organisations, world.district, progress=world.progress)


def load_demo_cases(
    orgs: dict[str, Organisation],
    swat: District,
    progress: Callable[[str], None] = lambda step: None,
) -> None:
    """Programmes and cases, once (a second run finds the programmes' cases and stops);
    ``progress`` hears each step as it starts."""
    programmes = {
        key: load_blueprint(
            actor=SYSTEM,
            blueprint=key,
            lead_organisation=orgs["lead"],
            districts=list(District.objects.filter(code__in=["SWT", "BJR"])),
        )
        for key in ("centre", "prison", "community")
    }
    if Case.objects.filter(programme__in=programmes.values()).exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=[
        "sana", "farah", "idris", "bilal", "yousaf", "tariq", "rahim", "khalid"])}  # fmt: skip
    cast = DemoCast(
        lead_case_worker={
            "centre": users["sana"],
            "prison": users["tariq"],
            "community": users["sana"],
        },
        signer={
            "rehabilitation_centre": users["farah"],
            "civil_society": users["bilal"],
            "community_committee": users["rahim"],
            "prison_service": users["tariq"],
        },
        team={
            "centre": [
                (users["farah"], CaseRole.PSYCHOLOGIST),
                (users["idris"], CaseRole.RELIGIOUS_SCHOLAR),
                (users["bilal"], CaseRole.TRAINER),
                (users["yousaf"], CaseRole.MENTOR),
            ],
            "prison": [
                (users["idris"], CaseRole.RELIGIOUS_SCHOLAR),
                (users["bilal"], CaseRole.TRAINER),
                (users["yousaf"], CaseRole.MENTOR),
            ],
            "community": [
                (users["yousaf"], CaseRole.MENTOR),
                (users["bilal"], CaseRole.TRAINER),
                (users["farah"], CaseRole.PSYCHOLOGIST),
            ],
        },
        lead_organisation={
            "centre": orgs["centre"],
            "prison": orgs["prison"],
            "community": orgs["aman"],
        },
    )
    villages = list(Community.objects.filter(tehsil__district=swat).order_by("pk"))
    serial = 0
    for key, programme in programmes.items():
        phases = list(programme.phases.order_by("order"))
        entry = next(p for p in phases if p.is_entry)
        reachable = phases[phases.index(entry) :]
        for index, phase in enumerate(reachable):
            serial += 1
            case = _enrol(serial, key, programme, cast, orgs, swat, villages)
            _walk_to(case, phase.code, cast)
            _spread_dates(case, days_per_phase=38 + 7 * (serial % 4), started=1 + serial % 5)
            if index % 2 and case.is_open:
                services.record_risk_band(
                    actor=SYSTEM,
                    case=case,
                    band=["high", "moderate", "low"][min(2, index // 2)],
                    reason="Overall judgement of the latest progress assessment.",
                )
    _pending_examples(programmes, cast, orgs, swat, villages, serial)
    demo_cases = list(
        Case.objects.filter(programme__in=programmes.values()).select_related("phase", "programme")
    )
    world = DemoCases(organisations=orgs, district=swat, cases=demo_cases, progress=progress)
    for _order, name, loader in sorted(
        (order, name, loader) for name, (order, loader) in LOADERS.items()
    ):
        progress(STEPS.get(name, name))
        loader(world)
    # The dates above were moved back by queryset updates, which bypass the due-date hooks.
    due.refresh([case.pk for case in demo_cases])  # at once, even inside due.deferred()


def _participant(
    serial: int, village: Community | None, org: Organisation, swat: District
) -> Participant:
    participant = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(
            name=f"{FIRST[serial % len(FIRST)]} {FATHERS[(serial * 3) % len(FATHERS)].split()[0]}",
            father_name=FATHERS[serial % len(FATHERS)],
            birth_year=1985 + (serial * 7) % 20,
        ),
        sex="m",
        district=swat,
        home_community=village,
        languages="ps,ur",
        organisation=org,
    )
    today = timezone.localdate()
    for purpose, share in [
        (ConsentPurpose.PARTICIPATION, ""),
        (ConsentPurpose.SHARING, "civil_society"),
        (ConsentPurpose.SHARING, "community_committee"),
    ]:
        registry.record_consent(
            actor=SYSTEM,
            participant=participant,
            purpose=purpose,
            share_with=share,
            given_by=Consent.GivenBy.SELF,
            method=Consent.Method.SIGNED,
            given_on=today,
        )
    registry.record_pledge(
        actor=SYSTEM, participant=participant, pledged_on=today, witnesses="Maulana Idris Shah"
    )
    return participant


def _enrol(
    serial: int,
    key: str,
    programme: Programme,
    cast: DemoCast,
    orgs: dict[str, Organisation],
    swat: District,
    villages: list[Community],
) -> Case:
    village = villages[serial % len(villages)] if villages else None
    lead = cast.lead_organisation[key]
    participant = _participant(serial, village, lead, swat)
    case = services.enrol_participant(
        actor=SYSTEM,
        participant=participant,
        programme=programme,
        referral_source={"centre": "security_forces", "prison": "prison", "community": "family"}[
            key
        ],
        referred_by=orgs["security"] if key == "centre" else None,
        receiving_community=village,
        receiving_committee=orgs["committee"],
        lead_organisation=lead,
    )
    lead_worker = cast.lead_case_worker[key]
    members = [(lead_worker, CaseRole.LEAD_CASE_WORKER), *cast.team[key]]
    for user, role in members:
        membership = Membership.objects.filter(user=user, is_active=True).order_by("pk").first()
        if membership is None:
            continue
        services.add_team_member(actor=SYSTEM, case=case, membership=membership, case_role=role)
    return case


def _walk_to(case: Case, target: str, cast: DemoCast) -> None:
    """Move the case along the first transition out of each phase until ``target``."""
    while case.phase.code != target and case.is_open:
        transition = case.programme.transitions.filter(from_phase=case.phase).first()
        if transition is None:
            return
        request = _request(case, transition.to_phase.code, cast)
        for kind in transition.required_kinds:
            if request.status != TransitionRequest.Status.PENDING:
                break
            services.record_sign_off(
                actor=cast.signer[kind], request=request, decision="approve", reason=_reasons(kind)
            )
            request.refresh_from_db()
        case.refresh_from_db()


def _request(case: Case, target: str, cast: DemoCast) -> TransitionRequest:
    key = case.programme.code
    transition = case.programme.transitions.get(from_phase=case.phase, to_phase__code=target)
    requester = cast.lead_case_worker[key]
    if requester in cast.signer.values():  # four eyes: who signs a request never asks for it
        requester = cast.team[key][0][0]
    return services.request_transition(
        actor=requester,
        case=case,
        transition=transition,
        reason=(
            f"Goals of “{case.phase.name_en}” met; "
            f"the team recommends “{transition.to_phase.name_en}”."
        ),
    )


def _reasons(kind: str) -> str:
    return {
        "rehabilitation_centre": "Psychosocial progress steady; attends every session.",
        "civil_society": "Completed the training module; mentor reports good engagement.",
        "community_committee": "The committee met the family; the village is ready to receive him.",
        "prison_service": "Conduct good; counselling attended throughout.",
    }[kind]


def _spread_dates(case: Case, *, days_per_phase: int, started: int) -> None:
    """Demo only: move the case's dates into the past, one phase every ``days_per_phase``,
    the last change ``started`` weeks ago."""
    today = timezone.localdate()
    changes = list(case.phase_changes.order_by("pk"))
    start = today - datetime.timedelta(days=days_per_phase * (len(changes) - 1) + 7 * started + 3)
    for position, change in enumerate(changes):
        day = start + datetime.timedelta(days=days_per_phase * position)
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))
        PhaseChange.objects.filter(pk=change.pk).update(changed_on=day, created_at=moment)
        if change.request_id:
            TransitionRequest.objects.filter(pk=change.request_id).update(
                created_at=moment - datetime.timedelta(days=6), decided_at=moment
            )
            SignOff.objects.filter(request_id=change.request_id).update(
                created_at=moment - datetime.timedelta(days=2),
                updated_at=moment - datetime.timedelta(days=2),
            )
    last = start + datetime.timedelta(days=days_per_phase * (len(changes) - 1))
    Case.objects.filter(pk=case.pk).update(
        opened_on=start,
        phase_entered_on=last,
        closed_on=last if case.closed_on else None,
    )
    case.team.update(joined_on=start, created_at=timezone.make_aware(
        datetime.datetime.combine(start, datetime.time(11, 0))))  # fmt: skip
    # Registration, consent and pledge came before enrolment, as the programme requires.
    before = start - datetime.timedelta(days=2)
    Participant.objects.filter(pk=case.participant_id).update(
        created_at=timezone.make_aware(datetime.datetime.combine(before, datetime.time(9, 0)))
    )
    Consent.objects.filter(participant=case.participant_id, given_on__gt=before).update(
        given_on=before
    )
    Pledge.objects.filter(participant=case.participant_id, pledged_on__gt=before).update(
        pledged_on=before
    )


def _pending_examples(
    programmes: dict[str, Programme],
    cast: DemoCast,
    orgs: dict[str, Organisation],
    swat: District,
    villages: list[Community],
    serial: int,
) -> None:
    """Waiting sign-offs (JOURNEYS.md 3), an open objection and two closed cases."""
    centre = programmes["centre"]
    # Leaving the centre: the centre and the CSO approved; the committee's decision waits.
    serial += 1
    case = _enrol(serial, "centre", centre, cast, orgs, swat, villages)
    _walk_to(case, "rehabilitation", cast)
    _spread_dates(case, days_per_phase=45, started=2)
    request = _request(case, "transition", cast)
    for kind in ("rehabilitation_centre", "civil_society"):
        services.record_sign_off(
            actor=cast.signer[kind], request=request, decision="approve", reason=_reasons(kind)
        )
    # Intake to rehabilitation: waiting for the centre's psychologist.
    serial += 1
    case = _enrol(serial, "centre", centre, cast, orgs, swat, villages)
    _walk_to(case, "intake", cast)
    _spread_dates(case, days_per_phase=30, started=1)
    _request(case, "rehabilitation", cast)
    # Community programme: the committee objected; the objection waits for an answer.
    serial += 1
    community = programmes["community"]
    case = _enrol(serial, "community", community, cast, orgs, swat, villages)
    _walk_to(case, "mentoring", cast)
    _spread_dates(case, days_per_phase=40, started=2)
    request = _request(case, "exit_support", cast)
    services.record_sign_off(
        actor=cast.signer["community_committee"],
        request=request,
        decision="object",
        reason="Victims' families are afraid. Hold a jirga with them before he comes back.",
    )
    # Two closed cases: one withdrew, one was transferred.
    for closure, note in [
        ("withdrawn", "He chose to leave the programme; the door stays open."),
        ("transferred", "Moved with his family to Peshawar; transferred to the programme there."),
    ]:
        serial += 1
        case = _enrol(serial, "centre", centre, cast, orgs, swat, villages)
        _walk_to(case, "rehabilitation", cast)
        services.close_case(
            actor=cast.lead_case_worker["centre"], case=case, closure=closure, note=note
        )
        _spread_dates(case, days_per_phase=50, started=3)
