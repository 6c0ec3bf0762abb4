"""Demo casework: plans, sessions (one a group session), notes of every sensitivity, family,
mentoring and support on the demo cases, through the real services. All invented."""

from __future__ import annotations

import datetime
import decimal

from django.utils import timezone

from bahali.accounts.models import User
from bahali.cases.demo import DemoCases
from bahali.cases.models import Case, CaseRole
from bahali.casework import services
from bahali.casework.models import Goal
from bahali.casework.services import AttendanceLine

# Domain, goal, interventions: JOURNEYS.md 2 (a man who lost work after the floods).
GOALS = [
    ("vocational", "Qualify as an electrician", "Six-month course at Aman; a toolkit after."),
    ("family", "Reconcile with his father and brothers", "Monthly family sessions at the centre."),
    ("livelihood", "Obtain a CNIC and open a bank account", "Legal-aid referral; NADRA visit."),
    ("dialogue", "Question the recruiter's reading of jihad", "Weekly dialogue with the scholar."),
]  # fmt: skip
NOTES = {
    "general": "Attended on time; engaged well with the group and asked about the course.",
    "clinical": "Sleep improving; intrusive memories less frequent. Continue weekly sessions.",
    "security": "No contact with former associates reported this month.",
}


def _team_user(case: Case, role: CaseRole) -> User | None:
    member = (
        case.team.filter(case_role=role, left_on__isnull=True)
        .select_related("membership__user")
        .first()
    )
    return member.membership.user if member else None


def load_demo(world: DemoCases) -> None:
    """The demo loader this app registers with ``bahali.cases.demo``: casework on the demo's
    cases, the programme manager among those who review plans."""
    load_demo_casework(world.cases, manager=User.objects.filter(username="ayesha").first())


def load_demo_casework(cases: list[Case], *, manager: User | None) -> None:
    """Casework on every open case past entry; a group training session for the centre."""
    today = timezone.localdate()
    trained: list[Case] = []
    for number, case in enumerate(cases):
        if not case.is_open or case.phase.is_entry:
            continue
        lead = _team_user(case, CaseRole.LEAD_CASE_WORKER)
        if lead is None:
            continue
        start = max(case.opened_on, today - datetime.timedelta(days=150))
        goals: list[Goal] = []
        for offset, (domain, title, interventions) in enumerate(GOALS[: 2 + number % 3]):
            responsible = case.team.filter(left_on__isnull=True).order_by("pk")[offset % 3]
            goals.append(
                services.add_goal(
                    actor=lead,
                    case=case,
                    domain=domain,
                    title=title,
                    interventions=interventions,
                    responsible=responsible,
                    target_on=today + datetime.timedelta(days=120),
                    review_on=today + datetime.timedelta(days=(offset * 9 + number) % 20 - 4),
                )
            )
        if goals:
            services.record_goal_review(
                actor=lead,
                goal=goals[0],
                reviewed_on=start + datetime.timedelta(days=30),
                progress_note="Attends the course; first module passed.",
                status_after="in_progress",
                next_review_on=goals[0].review_on,
            )
        psychologist = _team_user(case, CaseRole.PSYCHOLOGIST)
        if psychologist is not None:
            for week in range(3):
                held = start + datetime.timedelta(days=10 + 14 * week)
                session = services.record_session(
                    actor=psychologist,
                    kind="counselling",
                    format="individual",
                    held_on=held,
                    duration_minutes=50,
                    attendances=[AttendanceLine(case=case, goals=goals[:1])],
                )
                services.write_note(
                    actor=psychologist,
                    case=case,
                    sensitivity="clinical",
                    body=NOTES["clinical"],
                    session=session,
                    written_on=held,
                )
        scholar = _team_user(case, CaseRole.RELIGIOUS_SCHOLAR)
        if scholar is not None:
            held = start + datetime.timedelta(days=12)
            session = services.record_session(
                actor=scholar,
                kind="dialogue",
                format="individual",
                held_on=held,
                duration_minutes=60,
                topic="What the Quran says about the sanctity of life",
                attendances=[AttendanceLine(case=case)],
            )
            services.write_note(
                actor=scholar,
                case=case,
                sensitivity="general",
                body=NOTES["general"],
                session=session,
                written_on=held,
            )
        if manager is not None and number % 3 == 0:
            services.write_note(
                actor=manager,
                case=case,
                sensitivity="security",
                body=NOTES["security"],
                written_on=start + datetime.timedelta(days=20),
            )
        services.add_family_member(
            actor=lead,
            case=case,
            relationship="mother",
            name="Bibi Gul",
            contact="0300-0000000 (invented)",
            engagement="strong" if number % 2 else "active",
            is_guardian=case.participant.is_juvenile,
        )
        mentor = case.team.filter(case_role=CaseRole.MENTOR, left_on__isnull=True).first()
        if mentor is not None and case.phase.order >= 40:
            assignment = services.assign_mentor(
                actor=lead, case=case, mentor=mentor, starts_on=start, frequency="fortnightly"
            )
            for visit in range(2):
                services.log_mentor_meeting(
                    actor=mentor.membership.user,
                    assignment=assignment,
                    met_on=start + datetime.timedelta(days=14 * (visit + 1)),
                    duration_minutes=45,
                    place="Tea stall near his home",
                    summary="Talked about the course and his plans for a small shop.",
                    concerns=visit == 1 and number % 4 == 0,
                )
            today = timezone.localdate()
            ended_on = start + datetime.timedelta(days=35)
            if case.phase.is_aftercare and number % 2 == 0 and ended_on <= today:
                services.end_mentor_assignment(
                    actor=lead,
                    assignment=assignment,
                    ends_on=ended_on,
                    reason="completed",
                    note="Goals met; he now meets the committee monthly.",
                )
            else:
                # Still mentoring: met recently, so the next meeting is due within days (for
                # every fourth case it is a few days late), as on a real mentor's list.
                recent = today - datetime.timedelta(days=20 if number % 4 == 0 else 10)
                if recent > start + datetime.timedelta(days=28):
                    services.log_mentor_meeting(
                        actor=mentor.membership.user,
                        assignment=assignment,
                        met_on=recent,
                        duration_minutes=40,
                        place="Community hall",
                        summary="Went over the week: work at the workshop, evenings at home.",
                    )
        if case.phase.is_aftercare or case.phase.code in {"reintegration", "halfway"}:
            for kind, amount in (("stipend", "8000"), ("toolkit", "25000")):
                item = services.record_support(
                    actor=lead,
                    case=case,
                    kind=kind,
                    amount=decimal.Decimal(amount),
                    provided_on=start + datetime.timedelta(days=40),
                    organisation=case.lead_organisation,
                    description="Monthly stipend" if kind == "stipend" else "Electrician's toolkit",
                )
                services.mark_support_paid(
                    actor=lead, item=item, paid_on=start + datetime.timedelta(days=42)
                )
        if _team_user(case, CaseRole.TRAINER) is not None:
            trained.append(case)
    trainer = User.objects.filter(username="bilal").first()
    if trainer is not None and len(trained) >= 2:
        services.record_session(
            actor=trainer,
            kind="vocational",
            format="group",
            held_on=today - datetime.timedelta(days=3),
            duration_minutes=120,
            topic="Wiring a distribution board safely",
            attendances=[
                AttendanceLine(case=case, status="present" if i % 4 else "absent")
                for i, case in enumerate(trained[:8])
            ],
        )
