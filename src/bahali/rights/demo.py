"""Demo red flags: a few of the demo's cases are given what the oversight body must notice —
a residential stay nobody reviewed, a child in the adult centre, a withdrawn consent, a pledge
after a screening that found pressure, a complaint of mistreatment left unanswered and a
returnee nobody has visited — then the flags are computed once, so the page is not empty.

All invented. Dates moved into the past by queryset updates, as the cases' own demo does
(demo only: the services record today's date).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from bahali.aftercare.models import CheckIn
from bahali.assessments.models import Assessment
from bahali.cases import services as cases
from bahali.cases.demo import DemoCases
from bahali.cases.models import Case, PhaseChange
from bahali.casework.models import GoalReview
from bahali.core.context import SYSTEM
from bahali.grievances import services as grievances
from bahali.intake import services as intake
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose
from bahali.rights import services
from bahali.rights.models import FlagRun


def _move_phase_start(case: Case, day: datetime.date) -> None:
    Case.objects.filter(pk=case.pk).update(phase_entered_on=day)
    last = case.phase_changes.order_by("-pk").first()
    if last is not None:
        PhaseChange.objects.filter(pk=last.pk).update(changed_on=day)


def _long_stay(open_cases: list[Case], today: datetime.date) -> None:
    """A case in a residential phase, its stay moved back past the expected length and its
    reviews since then moved before it."""
    case = next((c for c in open_cases if c.phase.is_residential and c.phase.expected_days), None)
    if case is None:
        return
    expected = case.phase.expected_days or 0
    entered = today - datetime.timedelta(days=expected + 47)
    ran_out = entered + datetime.timedelta(days=expected)
    _move_phase_start(case, entered)
    before = ran_out - datetime.timedelta(days=20)
    GoalReview.objects.filter(goal__case=case, reviewed_on__gte=ran_out).update(reviewed_on=before)
    Assessment.objects.filter(case=case, assessed_on__gte=ran_out).update(assessed_on=before)


def _juvenile(world: DemoCases, today: datetime.date) -> None:
    """A boy of 16 enrolled in the centre programme, which no criteria declare for juveniles."""
    centre = next((c for c in world.cases if c.programme.model == "centre"), None)
    if centre is None:
        return
    boy = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(
            name="Sami Ullah", father_name="Gul Rehman", birth_year=today.year - 16
        ),
        sex="m",
        district=world.district,
        languages="ps",
        organisation=centre.lead_organisation,
    )
    registry.record_consent(
        actor=SYSTEM,
        participant=boy,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian_name="Gul Rehman",
        method=Consent.Method.THUMBPRINT,
        witness="Maulana Idris Shah",
        given_on=today - datetime.timedelta(days=30),
    )
    cases.enrol_participant(
        actor=SYSTEM,
        participant=boy,
        programme=centre.programme,
        referral_source="security_forces",
        lead_organisation=centre.lead_organisation,
        district=centre.district,
        opened_on=today - datetime.timedelta(days=30),
    )


def _withdrawn_consent(open_cases: list[Case], today: datetime.date) -> Case | None:
    """A participant in a phase needing consent withdrew it; the case was left open."""
    # one without referrals to services: its withdrawal must not stop the sharing other demos
    # show (consent is checked at the moment of use)
    case = next(
        (
            c
            for c in open_cases
            if c.phase.requires_consent and not c.phase.is_aftercare and not c.referrals.exists()
        ),
        None,
    )
    if case is None:
        return None
    for consent in Consent.objects.filter(
        participant=case.participant,
        purpose=ConsentPurpose.PARTICIPATION,
        withdrawn_on__isnull=True,
    ):
        registry.withdraw_consent(
            actor=SYSTEM, consent=consent, note="Told the mentor he no longer wants to take part."
        )
    return case


def _pressure(open_cases: list[Case], taken: set[int], world: DemoCases) -> None:
    """A pledged participant whose screening (for the prison programme) found he did not come
    voluntarily: an elder of his village brought him."""
    case = next((c for c in open_cases if c.pk not in taken and c.participant.pledges.exists()),
                None)  # fmt: skip
    prison = next((c.programme for c in world.cases if c.programme.model == "prison"), None)
    if case is None or prison is None:
        return
    referral = intake.record_referral(
        actor=SYSTEM,
        participant=case.participant,
        source="community",
        referrer="Village elder, Kabal",
        from_district=world.district,
        programme=prison,
        organisation=case.lead_organisation,
    )
    intake.screen_referral(
        actor=SYSTEM,
        referral=referral,
        outcome="not_eligible",
        grounds="He said the elders made him come; he does not want to take part.",
        answers=intake.Answers(age=31, accountability="serving_sentence", voluntary=False),
        programme=prison,
    )
    taken.add(case.pk)


def _grievance(open_cases: list[Case], taken: set[int], world: DemoCases) -> None:
    """A participant's complaint of mistreatment at the centre, three weeks old, unanswered."""
    case = next((c for c in open_cases if c.pk not in taken), None)
    grievances.lodge_grievance(
        actor=SYSTEM,
        channel="public_form",
        category="mistreatment",
        complainant="family",
        description="His brother says staff beat him when he refused to attend a class.",
        district=world.district,
        about_organisation=world.organisations.get("centre"),
        participant=case.participant if case is not None else None,
        received_on=timezone.localdate() - datetime.timedelta(days=21),
    )


def _no_contact(open_cases: list[Case], today: datetime.date) -> None:
    """A returnee in aftercare: his check-ins left unrecorded, his return home moved back."""
    case = next((c for c in open_cases if c.phase.is_aftercare), None)
    if case is None:
        return
    _move_phase_start(case, today - datetime.timedelta(days=150))
    CheckIn.objects.filter(case=case, done_on__gte=today - datetime.timedelta(days=120)).update(
        done_on=today - datetime.timedelta(days=130)
    )


def load_demo_red_flags(world: DemoCases) -> None:
    """Once: a second run finds a computation and stops."""
    if FlagRun.objects.exists():
        return
    today = timezone.localdate()
    open_cases = list(
        Case.objects.filter(pk__in=[c.pk for c in world.cases], closed_on__isnull=True)
        .select_related("phase", "programme", "participant", "lead_organisation")
        .order_by("pk")
    )
    _long_stay(open_cases, today)
    _no_contact(open_cases, today)
    taken = {c.pk for c in open_cases if c.phase.is_residential or c.phase.is_aftercare}
    withdrawn = _withdrawn_consent([c for c in open_cases if c.pk not in taken], today)
    if withdrawn is not None:
        taken.add(withdrawn.pk)
    _pressure(open_cases, taken, world)
    _grievance(open_cases, taken, world)
    _juvenile(world, today)
    services.compute_red_flags(actor=SYSTEM)
