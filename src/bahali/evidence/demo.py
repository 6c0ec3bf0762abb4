"""Demo evidence: the indicator definitions registered three years back (so every period
the demo covers was defined beforehand), and one published release for the last full
quarter. Idempotent: a second run registers nothing new and publishes nothing."""

from __future__ import annotations

import datetime
from typing import Any

from bahali.core.context import SYSTEM
from bahali.core.services import local_today
from bahali.evidence import services
from bahali.evidence.models import Release


def last_full_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = today.replace(month=first_month, day=1)
    end = this_quarter - datetime.timedelta(days=1)
    start = end.replace(month=3 * ((end.month - 1) // 3) + 1, day=1)
    return start, end


def load_demo_evidence() -> None:
    today = local_today()
    services.register_definitions(
        actor=SYSTEM,
        effective_from=today.replace(year=today.year - 3, day=1),
        note="Demo: definitions as first agreed",
    )
    if Release.objects.exists():
        return
    start, end = last_full_quarter(today)
    services.publish_release(
        actor=SYSTEM,
        title=f"Programme outcomes {start.year} Q{(start.month - 1) // 3 + 1}",
        start=start,
        end=end,
    )


def load_demo_oversight() -> None:
    """What the oversight report watches, so the demo's report has more to show: one
    research consent withdrawn and a verification of the audit chain (the emergency access
    comes from the disclosures demo; no gate is overridden here, as the journeys' pending
    requests must stay pending). Each through its service, as a person would; idempotent
    (each only when none exists)."""

    from bahali.audit import services as audit
    from bahali.audit.models import AuditEvent
    from bahali.cases.models import Case
    from bahali.registry import services as registry
    from bahali.registry.models import Consent, ConsentPurpose

    today = local_today()
    if not Consent.objects.filter(withdrawn_on__isnull=False).exists():
        # a participant who agreed to research a year ago, and has changed his mind
        case = (
            Case.objects.filter(closed_on__isnull=True, participant__is_juvenile=False)
            .select_related("participant")
            .order_by("pk")
            .first()
        )
        if case is not None:
            consent = registry.record_consent(
                actor=SYSTEM,
                participant=case.participant,
                purpose=ConsentPurpose.RESEARCH,
                given_by=Consent.GivenBy.SELF,
                method=Consent.Method.SIGNED,
                given_on=today - datetime.timedelta(days=365),
            )
            registry.withdraw_consent(
                actor=SYSTEM, consent=consent, note="No longer wants to take part in research."
            )
    if not AuditEvent.objects.filter(action="audit.verified").exists():
        audit.verify_and_record(actor=SYSTEM)


# --- three years of history ---------------------------------------------------------------

HISTORY_CASES = 24
HISTORY_MONTHS = 40  # the first of them came home this many months ago
AFTERCARE_EXTRA_DAYS = 5  # completed this long after the last planned check-in
# (case number, months after return, kind): verified behavioural events, each case exited
EVENTS = {3: (9, "re_arrest"), 8: (4, "violence"), 12: (13, "re_engagement"), 17: (6, "re_arrest")}
EMPLOYED = (1, 2, 5, 6, 9, 10, 14, 15, 19, 20)  # found work five months after return
OVERRIDDEN = 21  # this case's last gate (home from the halfway house) was overridden
DAY = datetime.timedelta(days=1)


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


def _date_changes(case: Any, days: list[datetime.date]) -> None:
    """Demo only: put the case's phase changes (and their requests and sign-offs, its team,
    its participant's registration, consents and pledge) on ``days``, one a change."""
    from bahali.cases.models import Case, PhaseChange, SignOff, TransitionRequest
    from bahali.registry.models import Consent, Participant, Pledge

    changes = list(case.phase_changes.order_by("pk"))
    for change, day in zip(changes, days, strict=True):
        PhaseChange.objects.filter(pk=change.pk).update(changed_on=day, created_at=_moment(day))
        if change.request_id:
            TransitionRequest.objects.filter(pk=change.request_id).update(
                created_at=_moment(day - 6 * DAY), decided_at=_moment(day)
            )
            SignOff.objects.filter(request_id=change.request_id).update(
                created_at=_moment(day - 2 * DAY), updated_at=_moment(day - 2 * DAY)
            )
    start, last = days[0], days[len(changes) - 1]
    Case.objects.filter(pk=case.pk).update(opened_on=start, phase_entered_on=last)
    case.team.update(joined_on=start, created_at=_moment(start, 11))
    before = start - 2 * DAY
    Participant.objects.filter(pk=case.participant_id).update(created_at=_moment(before, 9))
    Consent.objects.filter(participant=case.participant_id).update(given_on=before)
    Pledge.objects.filter(participant=case.participant_id).update(pledged_on=before)


def load_demo_history(world: Any) -> None:
    """Three years of the prison programme's history, so that the curves, the trends by
    quarter and the releases have something to say: people who came home every seven weeks
    or so since more than three years ago, each enrolled, walked through every gate (all
    its sign-offs), checked in on as planned, some finding work, four with a verified
    behavioural event (then exited), and those whose aftercare has ended completed.

    Through the services as a person would, the dates then moved back (demo only), as the
    cases demo moves its own. Only new cases: no pending request of the journeys is touched,
    no emergency access is opened. Runs before the intake demo publishes the prison
    programme's eligibility criteria (these people were enrolled before there were any).
    Idempotent: once a case opened more than two years ago exists, nothing is added."""
    from bahali.accounts import policies
    from bahali.accounts.models import User
    from bahali.aftercare import services as aftercare
    from bahali.aftercare.demo import _schedule
    from bahali.cases import demo as cases_demo
    from bahali.cases import due
    from bahali.cases import services as cases
    from bahali.cases.models import Case, CaseRole, PhaseChange
    from bahali.geography.models import Community
    from bahali.programmes.models import Programme

    today = local_today()
    if Case.objects.filter(opened_on__lt=today - datetime.timedelta(days=730)).exists():
        return
    programme = Programme.objects.filter(code="prison").first()
    if programme is None:
        return
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["tariq", "idris", "bilal", "yousaf", "rahim", "ayesha", "omar"]
        )
    }
    if len(users) < 6:
        return
    steward = users.get("omar")
    orgs = world.organisations
    cast = cases_demo.DemoCast(
        lead_case_worker={"prison": users["tariq"]},
        signer={
            "prison_service": users["tariq"],
            "civil_society": users["bilal"],
            "community_committee": users["rahim"],
        },
        team={
            "prison": [
                (users["idris"], CaseRole.RELIGIOUS_SCHOLAR),
                (users["bilal"], CaseRole.TRAINER),
                (users["yousaf"], CaseRole.MENTOR),
            ]
        },
        lead_organisation={"prison": orgs["prison"]},
    )
    villages = list(Community.objects.filter(tehsil__district=world.district).order_by("pk"))
    months = programme.aftercare_months
    span = (HISTORY_MONTHS * 30.44 - 90) / (HISTORY_CASES - 1)
    made: list[int] = []
    for number in range(HISTORY_CASES):
        home_on = today - datetime.timedelta(days=round(HISTORY_MONTHS * 30.44 - number * span))
        case = cases_demo._enrol(
            900 + number, "prison", programme, cast, orgs, world.district, villages
        )
        made.append(case.pk)
        if number == OVERRIDDEN and steward and policies.can(steward, "gate_override.write", case):
            # a dedicated case: the journeys' pending requests stay pending
            cases_demo._walk_to(case, "halfway", cast)
            cases.override_gate(
                actor=steward,
                request=cases_demo._request(case, "aftercare", cast),
                reason="Released by court order on a fixed date; the committee could not "
                "meet before it (roads closed by the floods).",
                reference="Peshawar High Court order W.P. 1187/2025",
            )
            case.refresh_from_db()
        cases_demo._walk_to(case, "aftercare", cast)
        case.refresh_from_db()
        steps = case.phase_changes.count()
        _date_changes(
            case,
            [home_on - (steps - 1 - i) * 70 * DAY for i in range(steps)],
        )
        case.refresh_from_db()
        event = EVENTS.get(number)
        ends_on = (
            aftercare.add_months(home_on, event[0])
            if event
            else aftercare.add_months(home_on, months) + AFTERCARE_EXTRA_DAYS * DAY
        )
        for position, check_in in enumerate(_schedule(case, home_on)):
            if check_in.due_on >= min(today, ends_on):
                break
            aftercare.record_check_in(
                actor=users["yousaf"],
                check_in=check_in,
                done_on=min(today, check_in.due_on + (3 * DAY if position % 5 == 4 else 0 * DAY)),
                method=["home_visit", "phone", "community_report"][position % 3],
                wellbeing=["good", "fair"][position % 2],
                notes="Working most days; family supportive.",
            )
        if number in EMPLOYED:
            found = aftercare.report_outcome(
                actor=users["tariq"],
                case=case,
                kind="employment",
                occurred_on=aftercare.add_months(home_on, 5),
                source="employer",
                source_detail="A workshop in Mingora",
                description="Hired as a helper.",
            )
            aftercare.verify_outcome(
                actor=users["ayesha"], event=found, verification="verified", note="Letter seen."
            )
        if event:
            found = aftercare.report_outcome(
                actor=users["tariq"],
                case=case,
                kind=event[1],
                occurred_on=ends_on,
                source="police",
                source_detail="Swat police",
                description="Reported by the police.",
            )
            aftercare.verify_outcome(
                actor=users["ayesha"],
                event=found,
                verification="verified",
                note="FIR and court record seen.",
            )
            cases.close_case(
                actor=users["ayesha"], case=case, closure="exited", note="Re-offended."
            )
            closed_on = ends_on + 14 * DAY
        elif ends_on < today:
            cases_demo._walk_to(case, "completed", cast)
            closed_on = ends_on
        else:
            continue
        last = case.phase_changes.order_by("-pk").first()
        if last is not None:
            PhaseChange.objects.filter(pk=last.pk).update(
                changed_on=closed_on, created_at=_moment(closed_on)
            )
            if last.request_id:
                from bahali.cases.models import SignOff, TransitionRequest

                TransitionRequest.objects.filter(pk=last.request_id).update(
                    created_at=_moment(closed_on - 6 * DAY), decided_at=_moment(closed_on)
                )
                SignOff.objects.filter(request_id=last.request_id).update(
                    created_at=_moment(closed_on - 2 * DAY),
                    updated_at=_moment(closed_on - 2 * DAY),
                )
        Case.objects.filter(pk=case.pk).update(closed_on=closed_on, phase_entered_on=closed_on)
    # the dates above were moved by queryset updates, which bypass the due-date hooks
    due.refresh(made)


def load_demo_figures() -> None:
    """The demo's history moves dates with updates that bypass ``save()`` (here and in the
    other apps' loaders): rebuild the stored figures derived from it once all have run."""
    from bahali.evidence import figures, ratings

    figures.refresh()
    ratings.refresh()


def load_demo_research() -> None:
    """The research extract, ready to try: about a third of the participants with a case
    consented to research (signed at enrolment), and Zainab the analyst approved by Omar,
    the lead organisation's data steward, for one study over the programmes it leads, for
    a year. Through the services, as people would; idempotent (only when no approval
    exists)."""
    from bahali.accounts.models import User
    from bahali.cases.models import Case
    from bahali.evidence.models import ResearchApproval
    from bahali.programmes.models import Programme
    from bahali.registry import services as registry
    from bahali.registry.models import Consent, ConsentPurpose

    if ResearchApproval.objects.exists():
        return
    researcher = User.objects.filter(username="zainab").first()
    steward = User.objects.filter(username="omar").first()
    if researcher is None or steward is None:
        return
    today = local_today()
    withdrawn = Consent.objects.filter(
        purpose=ConsentPurpose.RESEARCH, withdrawn_on__isnull=False
    ).values("participant")
    participants = (
        Case.objects.exclude(participant__in=withdrawn)
        .order_by("participant_id")
        .values_list("participant_id", "opened_on")
        .distinct()
    )
    seen: dict[int, datetime.date] = {}
    for participant_id, opened_on in participants:
        seen.setdefault(participant_id, opened_on)
    from bahali.registry.models import Participant

    chosen = [pk for n, pk in enumerate(sorted(seen)) if n % 3 == 0]
    for participant in Participant.objects.filter(pk__in=chosen):
        registry.record_consent(
            actor=SYSTEM,
            participant=participant,
            purpose=ConsentPurpose.RESEARCH,
            given_by=Consent.GivenBy.SELF,
            method=Consent.Method.SIGNED,
            given_on=min(seen[participant.pk], today),
        )
    programmes = list(
        Programme.objects.filter(
            lead_organisation__in=steward.memberships.filter(is_active=True).values("organisation")
        )
    )
    if programmes:
        services.grant_research_approval(
            actor=steward,
            researcher=researcher,
            title="Pathways after return: a cohort study",
            protocol="PRT-2025-014",
            ethics="IRB-KP-2025-311",
            programmes=programmes,
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=335),
        )
