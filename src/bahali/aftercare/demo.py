"""Demo aftercare: check-in schedules on the cases back home (some recorded, some overdue, one
with warning signs), and outcome events of every kind in every verification state, through
the real services. All invented."""

from __future__ import annotations

import datetime

from django.utils import timezone

from bahali.accounts.models import User
from bahali.aftercare import services
from bahali.aftercare.models import CheckIn
from bahali.cases.models import Case, CaseRole
from bahali.core.context import SYSTEM

DAY = datetime.timedelta(days=1)
# kind, reporter, source, source detail, description, verification, basis (see JOURNEYS.md 4)
EVENTS = [
    ("re_arrest", "khalid", "police", "Matta police station",
     "Arrested at a checkpoint; said to match a wanted man.", "disproved",
     "Mistaken identity: the FIR names another man; released the same day."),
    ("re_arrest", "khalid", "police", "Kabal police station",
     "Detained for questioning after a shop fight.", None, ""),
    ("reconviction", "khalid", "court", "Sessions court, Swat",
     "Convicted of extortion, committed after his return.", "verified",
     "Certified copy of the judgment on file."),
    ("re_engagement", "lead", "family", "",
     "His brother fears he is meeting his old commander again.", "disproved",
     "Home visit and the committee's inquiry: the visitor was a cousin from Dir."),
    ("violence", "khalid", "police", "Mingora police",
     "Reported in a fight at the bus stand.", None, ""),
    ("employment", "lead", "employer", "Mingora Electric Works",
     "Hired as an apprentice electrician.", "verified", "Appointment letter seen."),
    ("education_completed", "lead", "team", "", "Passed the electrician course exam.",
     "verified", "Certificate seen."),
    ("family_reunification", "lead", "family", "", "Moved back in with his parents.", None, ""),
    ("community_acceptance", "rahim", "committee", "Shah Dheri committee",
     "Invited to speak at the jirga about his return.", "verified",
     "Minutes of the jirga."),
]  # fmt: skip


def _member(case: Case, role: CaseRole) -> User | None:
    found = (
        case.team.filter(case_role=role, left_on__isnull=True)
        .select_related("membership__user")
        .first()
    )
    return found.membership.user if found else None


def _schedule(case: Case, start: datetime.date) -> list[CheckIn]:
    """Demo only: lay the case's planned check-ins out from its return home."""
    planned = list(case.check_ins.filter(done_on__isnull=True).order_by("due_on", "pk"))
    if not planned:
        return services.plan_check_ins(actor=SYSTEM, case=case, starts_on=start)
    months = services.schedule_months(case.programme.aftercare_months)
    for check_in, month in zip(planned, months, strict=False):
        CheckIn.objects.filter(pk=check_in.pk).update(due_on=services.add_months(start, month))
    return list(case.check_ins.filter(done_on__isnull=True).order_by("due_on", "pk"))


def load_demo_aftercare(cases: list[Case]) -> None:
    today = timezone.localdate()
    home = [
        c
        for c in cases
        if c.is_open and (c.phase.is_aftercare or c.phase.code in {"reintegration", "halfway"})
    ]
    for number, case in enumerate(home):
        case.refresh_from_db()
        start = max(case.opened_on, case.phase_entered_on - 75 * DAY)
        planned = _schedule(case, start)
        mentor = _member(case, CaseRole.MENTOR) or _member(case, CaseRole.LEAD_CASE_WORKER)
        if mentor is None:
            continue
        past = [c for c in planned if c.due_on < today]
        keep_overdue = number % 2 == 0  # every other case has its latest check-in overdue
        for position, check_in in enumerate(past[:-1] if keep_overdue else past):
            warned = position == 1 and number % 3 == 0
            services.record_check_in(
                actor=mentor,
                check_in=check_in,
                done_on=min(today, check_in.due_on + 2 * DAY),
                method=["home_visit", "phone", "community_report"][position % 3],
                wellbeing="poor" if warned else ["good", "fair"][position % 2],
                warnings=["lost_job", "renewed_contact"] if warned else [],
                notes="Lost his job at the workshop; old associates came to the house."
                if warned
                else "Working most days; family supportive.",
                follow_up="Team meets this week; referral to the livelihood programme; "
                "the mentor visits weekly for a month."
                if warned
                else "",
            )
    _outcomes(cases, today)


def _outcomes(cases: list[Case], today: datetime.date) -> None:
    returned = list(services.returned_cases(Case.objects.filter(pk__in=[c.pk for c in cases])))
    returned.sort(key=lambda c: (not c.is_open, c.pk))
    if not returned:
        return
    users = {u.username: u for u in User.objects.filter(username__in=["khalid", "rahim", "ayesha"])}
    for number, (kind, reporter, source, detail, description, verdict, basis) in enumerate(EVENTS):
        case = returned[number % len(returned)]
        actor = users.get(reporter) or _member(case, CaseRole.LEAD_CASE_WORKER) or SYSTEM
        if reporter == "rahim" and not case.is_open:
            actor = _member(case, CaseRole.LEAD_CASE_WORKER) or SYSTEM
        occurred = max(case.opened_on, today - (60 - 6 * number) * DAY)
        event = services.report_outcome(
            actor=actor,
            case=case,
            kind=kind,
            occurred_on=occurred,
            source=source,
            source_detail=detail,
            description=description,
        )
        if verdict:
            services.verify_outcome(
                actor=users.get("ayesha") or SYSTEM,
                event=event,
                verification=verdict,
                note=basis,
            )
