"""The stored per-case figures (``evidence.figures``) stay equal to a rebuild from the
records after every write path that changes them: phase changes, check-ins (planned,
recorded, deleted), outcome events (reported, verified), progress assessments (completed,
corrected), a phase's reassessment interval edited, and gate requests with their sign-offs
(approved, objected, objection answered or withdrawn, overridden, cancelled), and sessions
recorded, their attendance changed or deleted and their day corrected. Each step is
also checked against the figure worked out by hand, and the indicators read from them
against the same.

And the pages that keep their slowest figures a few minutes (``evidence.snapshots``) say
as of when, compute once for repeated views, and compute afresh for other filters.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.assessments.models import Assessment, Instrument
from bahali.cases import services as pathway
from bahali.cases.models import Case, PhaseChange, TransitionRequest
from bahali.casework import services as casework
from bahali.casework.models import Attendance, SessionKind
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import figures, ledger, recidivism
from bahali.evidence.indicators import INDICATORS, Filters, attended
from bahali.evidence.models import (
    CaseFigures,
    GateDecision,
    PhaseStay,
    ReassessmentFigure,
    SessionYear,
)
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)


def _stored() -> tuple[list[Any], ...]:
    return (
        sorted(
            CaseFigures.objects.values_list(
                "case",
                "returned_on",
                "last_contact_on",
                "behavioural_on",
                "negative_on",
                "employment_after",
                "education_after",
            )
        ),
        sorted(
            PhaseStay.objects.values_list(
                "change", "case", "phase", "entered_on", "left_on", "days"
            )
        ),
        sorted(
            ReassessmentFigure.objects.values_list(
                "assessment", "case", "assessed_on", "due_on", "on_time"
            )
        ),
        sorted(
            SessionYear.objects.values_list(
                "case", "year", *(str(kind) for kind in SessionKind.values)
            )
        ),
        sorted(
            GateDecision.objects.values_list(
                "request",
                "case",
                "decided_on",
                "approved_by",
                "civilian",
                "community",
                "objected",
                "overridden",
                "objections_open",
                "objections_answered",
                "objections_withdrawn",
            )
        ),
    )


def _same_as_rebuilt() -> None:
    """What the hooks kept equals a rebuild of every case from its records."""
    kept = _stored()
    figures.refresh()
    assert _stored() == kept


def _row(case: Any) -> CaseFigures:
    return CaseFigures.objects.get(case=case)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def test_return_check_ins_and_outcomes(world: PathwayWorld) -> None:
    today = world.today
    case = world.case(phase="aftercare")
    returned = (
        PhaseChange.objects.filter(case=case, to_phase__is_aftercare=True)
        .order_by("changed_on")
        .first()
    )
    assert returned is not None
    assert _row(case).returned_on == returned.changed_on == today
    assert _row(case).last_contact_on is None
    _same_as_rebuilt()

    aftercare.plan_check_ins(actor=world.case_worker, case=case, starts_on=today)
    planned = case.check_ins.filter(done_on__isnull=True).order_by("due_on").first()
    aftercare.record_check_in(
        actor=world.mentor,
        check_in=planned,
        done_on=today,
        method="home_visit",
        wellbeing="good",
    )
    assert _row(case).last_contact_on == today
    _same_as_rebuilt()

    event = aftercare.report_outcome(
        actor=world.case_worker,
        case=case,
        kind="re_arrest",
        occurred_on=today,
        source="police",
        description="Arrested at a checkpoint.",
    )
    assert _row(case).behavioural_on is None  # reported only: it does not count yet
    aftercare.verify_outcome(
        actor=world.manager, event=event, verification="verified", note="Police record seen."
    )
    assert (_row(case).behavioural_on, _row(case).negative_on) == (today, today)
    _same_as_rebuilt()

    work = aftercare.report_outcome(
        actor=world.case_worker,
        case=case,
        kind="employment",
        occurred_on=today,
        source="team",
        description="Started work at a tailoring shop.",
    )
    aftercare.verify_outcome(
        actor=world.manager, event=work, verification="verified", note="Employer called."
    )
    assert _row(case).employment_after == 0
    assert _row(case).education_after is None
    _same_as_rebuilt()

    # the curve reads the stored figures: one case, its event on the day of return
    rows = recidivism.rows(Filters())
    assert [(r["reintegrated_on"], r["event_on"], r["contact_on"]) for r in rows] == [
        (today, today, today)
    ]

    with acting_as(SYSTEM):
        CheckIn.objects.filter(case=case, done_on__isnull=False).delete()
    assert _row(case).last_contact_on is None
    _same_as_rebuilt()


def test_phase_changes_and_the_phase_indicators(world: PathwayWorld) -> None:
    case = world.case()
    programme = world.programmes["centre"]
    entry, screening = case.phase, programme.phases.get(code="screening")
    day = D(2025, 3, 1)
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(opened_on=day)
        for change in PhaseChange.objects.filter(case=case):
            change.changed_on = day
            change.save()
    assert list(PhaseStay.objects.filter(case=case).values_list("phase", "left_on")) == [
        (entry.pk, None)
    ]
    with acting_as(SYSTEM):
        moved = PhaseChange.objects.create(
            case=case, from_phase=entry, to_phase=screening, changed_on=day + 10 * DAY
        )
    stays = PhaseStay.objects.filter(case=case).order_by("entered_on")
    assert list(stays.values_list("phase", "entered_on", "left_on", "days")) == [
        (entry.pk, day, day + 10 * DAY, 10),
        (screening.pk, day + 10 * DAY, None, None),
    ]
    _same_as_rebuilt()

    period = Filters(start=D(2025, 1, 1), end=D(2025, 12, 31))
    median = {line.key: line for line in INDICATORS["median-days-in-phase"].compute(period).lines}
    assert (median[str(entry.pk)].value, median[str(entry.pk)].denominator) == (10.0, 1)
    in_phase = {
        line.key: line.value for line in INDICATORS["people-in-phase"].compute(period).lines
    }
    assert in_phase[str(screening.pk)] == 1 and in_phase[str(entry.pk)] == 0
    on_the_day = Filters(start=D(2025, 1, 1), end=day + 5 * DAY)
    in_phase = {
        line.key: line.value for line in INDICATORS["people-in-phase"].compute(on_the_day).lines
    }
    assert in_phase[str(entry.pk)] == 1 and in_phase[str(screening.pk)] == 0

    with acting_as(SYSTEM):
        moved.delete()
    assert list(PhaseStay.objects.filter(case=case).values_list("phase", "left_on")) == [
        (entry.pk, None)
    ]
    _same_as_rebuilt()


def test_sessions_per_year_follow_attendance_and_sessions(world: PathwayWorld) -> None:
    """Sessions recorded through the service, an attendance changed and deleted, a
    session's day moved to another year: the stored counts follow and equal a rebuild, and
    the indicator's count from them (whole years stored, the rest from the rows) equals a
    count of the rows for periods of whole, partial and unfinished years."""
    first, second = world.case(), world.case()
    today = timezone.localdate()
    last_year = D(today.year - 1, 6, 15)

    def held(day: datetime.date, kind: str, *lines: Any) -> Any:
        return casework.record_session(
            actor=world.psychologist,
            kind=kind,
            format="group" if len(lines) > 1 else "individual",
            held_on=day,
            duration_minutes=60,
            attendances=list(lines),
        )

    both = [casework.AttendanceLine(case=first), casework.AttendanceLine(case=second)]
    group = held(last_year, "education", *both)
    held(today, "counselling", casework.AttendanceLine(case=first))
    held(today, "counselling", casework.AttendanceLine(case=second, status="absent"))
    rows = SessionYear.objects.filter(case=first).order_by("year")
    assert [(r.year, r.education, r.counselling) for r in rows] == [
        (today.year - 1, 1, 0),
        (today.year, 0, 1),
    ]
    _same_as_rebuilt()

    absent = Attendance.objects.get(case=second, kind="counselling")
    with acting_as(SYSTEM):
        absent.status = "present"
        absent.save()
    assert SessionYear.objects.get(case=second, year=today.year).counselling == 1
    _same_as_rebuilt()
    with acting_as(SYSTEM):
        absent.delete()
    assert not SessionYear.objects.filter(case=second, year=today.year).exists()
    _same_as_rebuilt()

    with acting_as(SYSTEM):  # the group session's day corrected into this year
        group.held_on = today
        group.save()
    assert Attendance.objects.filter(session=group, held_on=today).count() == 2
    assert not SessionYear.objects.filter(year=today.year - 1).exists()
    assert SessionYear.objects.get(case=second, year=today.year).education == 1
    _same_as_rebuilt()
    with acting_as(SYSTEM):
        group.held_on = last_year
        group.save()
    _same_as_rebuilt()

    cases = Case.objects.filter(pk__in=[first.pk, second.pk])
    for start, end in [
        (D(2000, 1, 1), today),  # every year whole (this one not over, nothing after today)
        (D(today.year - 1, 1, 1), D(today.year - 1, 12, 31)),  # one whole year
        (D(today.year - 1, 6, 1), today),  # part of last year, this year whole
        (D(today.year - 1, 6, 16), today - DAY),  # partial at both ends
        (D(today.year - 2, 1, 1), D(today.year - 1, 6, 15)),  # a whole year and a part
    ]:
        counted = {
            row["kind"]: row["n"]
            for row in Attendance.objects.filter(
                case__in=cases, status="present", held_on__range=(start, end)
            )
            .values("kind")
            .annotate(n=Count("pk"))
        }
        found = {k: n for k, n in attended(cases, start, end).items() if n}
        assert found == counted, (start, end)


def _gate(world: PathwayWorld) -> tuple[Case, TransitionRequest]:
    case = world.case("centre", phase="rehabilitation")
    transition = case.programme.transitions.get(from_phase=case.phase, to_phase__code="transition")
    request = pathway.request_transition(
        actor=world.case_worker, case=case, transition=transition, reason="Ready"
    )
    return case, request


def _decision(request: TransitionRequest) -> tuple[Any, ...]:
    return GateDecision.objects.values_list(
        "approved_by",
        "civilian",
        "community",
        "objected",
        "overridden",
        "objections_open",
        "objections_answered",
        "objections_withdrawn",
    ).get(request=request)


def test_gate_decisions_follow_requests_and_sign_offs(world: PathwayWorld) -> None:
    """Every step of three gates through the pathway's services: the stored decision
    appears when the gate applies, with its sign-offs' facts, and equals a rebuild."""
    # 1. objected by the committee, answered, then approved by the three kinds
    case, request = _gate(world)
    objection = pathway.record_sign_off(
        actor=world.committee_member, request=request, decision="object", reason="A jirga"
    )
    pathway.record_sign_off(
        actor=world.psychologist, request=request, decision="approve", reason="a"
    )
    pathway.record_sign_off(actor=world.trainer, request=request, decision="approve", reason="b")
    assert not GateDecision.objects.filter(request=request).exists()  # still waiting
    _same_as_rebuilt()
    pathway.answer_objection(actor=world.case_worker, sign_off=objection, answer="Held Friday")
    pathway.record_sign_off(
        actor=world.committee_member, request=request, decision="approve", reason="Jirga held"
    )
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.APPLIED
    kinds = "civil_society,community_committee,rehabilitation_centre"
    # the committee's approval replaced its answered objection: no objection left
    assert _decision(request) == (kinds, True, True, False, False, 0, 0, 0)
    assert GateDecision.objects.get(request=request).decided_on == timezone.localdate(
        request.decided_at
    )
    _same_as_rebuilt()

    # 2. approved by the centre, objected by civil society, withdrawn, then overridden
    _case2, second = _gate(world)
    pathway.record_sign_off(
        actor=world.psychologist, request=second, decision="approve", reason="a"
    )
    objected = pathway.record_sign_off(
        actor=world.trainer, request=second, decision="object", reason="wait"
    )
    pathway.withdraw_objection(actor=world.trainer, sign_off=objected)
    _same_as_rebuilt()
    pathway.override_gate(actor=world.steward, request=second, reason="Order", reference="11/2026")
    second.refresh_from_db()
    assert second.status == TransitionRequest.Status.APPLIED
    assert _decision(second) == ("rehabilitation_centre", False, False, True, True, 0, 0, 1)
    _same_as_rebuilt()

    # 3. objected, then overridden by the steward with the objection still open
    _case3, third = _gate(world)
    pathway.record_sign_off(actor=world.trainer, request=third, decision="object", reason="no")
    pathway.override_gate(actor=world.steward, request=third, reason="Order", reference="12/2026")
    assert _decision(third) == ("", False, False, True, True, 1, 0, 0)
    _same_as_rebuilt()

    # a cancelled request is no decision
    _case4, fourth = _gate(world)
    pathway.cancel_request(actor=world.case_worker, request=fourth, reason="Not now")
    assert not GateDecision.objects.filter(request=fourth).exists()
    _same_as_rebuilt()

    # the ledger's shares from the stored rows equal the live reading of the requests
    every = Filters(statistical=False)
    shares, kinds_signed, outcomes = ledger.tally(every, "programme")
    live = ledger.decisions(every)
    (row,) = shares
    assert row["n"] == live.count() == 3
    assert row["civilian_n"] == live.filter(civilian=True).count() == 1
    assert row["community_n"] == live.filter(community=True).count() == 1
    assert row["objected_n"] == live.filter(objected=True).count() == 2
    assert row["overridden_n"] == live.filter(overridden_by__isnull=False).count() == 2
    assert kinds_signed == {
        "rehabilitation_centre": 2,
        "civil_society": 1,
        "community_committee": 1,
    }
    assert outcomes == {"withdrawn": 1, "open": 1}

    # a deleted sign-off follows too
    with acting_as(SYSTEM):
        third.sign_offs.all().delete()
    assert _decision(third) == ("", False, False, False, True, 0, 0, 0)
    _same_as_rebuilt()
    assert GateDecision.objects.get(request=request).case_id == case.pk


def test_reassessments_follow_assessments_check_ins_and_the_phase_interval(
    world: PathwayWorld,
) -> None:
    case = world.case()
    phase = case.phase
    with acting_as(SYSTEM):
        phase.reassess_every_days = 90
        phase.save()
        for change in PhaseChange.objects.filter(case=case):
            change.changed_on = D(2025, 1, 1)
            change.save()
    version = Instrument.objects.get(code="progress").versions.order_by("-pk").first()

    def assess(day: datetime.date, **kw: Any) -> Assessment:
        with acting_as(SYSTEM):
            return Assessment.objects.create(
                case=case,
                instrument_version=version,
                assessed_on=day,
                status=kw.get("status", "completed"),
                overall_rating="moderate",
                corrects=kw.get("corrects"),
            )

    assess(D(2025, 1, 10))
    assert not ReassessmentFigure.objects.exists()  # a first assessment is no reassessment
    second = assess(D(2025, 4, 15))  # due 2025-04-10 (90 days after the first): late
    assert list(ReassessmentFigure.objects.values_list("due_on", "on_time")) == [
        (D(2025, 4, 10), False)
    ]
    _same_as_rebuilt()

    with acting_as(SYSTEM):  # the interval edited: the due date moves with it
        phase.reassess_every_days = 120
        phase.save()
    assert list(ReassessmentFigure.objects.values_list("due_on", "on_time")) == [
        (D(2025, 5, 10), True)
    ]
    _same_as_rebuilt()

    with acting_as(SYSTEM):  # a warning sign in between brings the due date forward
        CheckIn.objects.create(
            case=case, due_on=D(2025, 2, 1), done_on=D(2025, 2, 1), threats_received=True
        )
    (due, on_time), *_rest = ReassessmentFigure.objects.values_list("due_on", "on_time")
    assert due < D(2025, 4, 15) and on_time is False
    _same_as_rebuilt()

    period = Filters(start=D(2025, 1, 1), end=D(2025, 12, 31))
    line = INDICATORS["reassessments-on-time"].compute(period).lines[0]
    assert (line.numerator, line.denominator) == (0, 1)

    assess(D(2025, 4, 12), corrects=second)  # a completed correction replaces the second
    assert list(ReassessmentFigure.objects.values_list("assessed_on", flat=True)) == [
        D(2025, 4, 12)
    ]
    _same_as_rebuilt()


def test_pages_say_as_of_when_they_keep_figures(
    world: PathwayWorld, settings: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    cache.clear()
    item = INDICATORS["closures"]
    calls: list[Filters] = []
    original = item.formula

    def counted(indicator: Any, filters: Filters) -> Any:
        calls.append(filters)
        return original(indicator, filters)

    monkeypatch.setitem(INDICATORS, "closures", type(item)(**{**item.__dict__, "formula": counted}))
    sign_in(client, world.analyst)

    settings.EVIDENCE_FIGURES_MAX_AGE = 0
    page = client.get("/evidence/")
    assert page.status_code == 200 and b'data-testid="figures-as-of"' not in page.content

    settings.EVIDENCE_FIGURES_MAX_AGE = 300
    calls.clear()
    first = client.get("/evidence/")
    again = client.get("/evidence/")
    assert b'data-testid="figures-as-of"' in first.content
    assert b'data-testid="figures-as-of"' in again.content
    assert len(calls) == 1  # the second view read the kept figures
    client.get("/evidence/?start=2025-01-01&end=2025-12-31")
    assert len(calls) == 2  # other filters: computed for them
    cache.clear()


def test_deferred_works_each_case_out_once_at_the_end(world: PathwayWorld, monkeypatch) -> None:
    """``figures.deferred``: saves inside note their case; each is worked out once when the
    block ends (still in the write's transaction), the same as at once; nothing is worked
    out when the block ends by an error."""
    today = world.today
    case = world.case(phase="aftercare")
    aftercare.plan_check_ins(actor=world.case_worker, case=case, starts_on=today)
    first, second = case.check_ins.filter(done_on__isnull=True).order_by("due_on")[:2]
    calls: list[tuple[list[int], set[str]]] = []
    refresh = figures.refresh

    def counted(case_ids: Any = None, stays: bool = True, parts: Any = None) -> int:
        calls.append((list(case_ids) if case_ids is not None else [], set(parts or ())))
        return refresh(case_ids, stays, parts)

    monkeypatch.setattr(figures, "refresh", counted)
    with acting_as(SYSTEM), figures.deferred():
        for check_in in (first, second):
            aftercare.record_check_in(
                actor=world.mentor,
                check_in=check_in,
                done_on=today,
                method="home_visit",
                wellbeing="good",
            )
        assert calls == [] and _row(case).last_contact_on is None  # not yet
    assert calls == [([case.pk], {"figures"})]  # the part check-ins change, once
    assert _row(case).last_contact_on == today
    calls.clear()
    _same_as_rebuilt()  # the same as worked out afresh

    calls.clear()
    with pytest.raises(RuntimeError), acting_as(SYSTEM), figures.deferred():
        CheckIn.objects.filter(case=case, done_on__isnull=False).delete()
        raise RuntimeError("undone")
    assert calls == []
    assert _row(case).last_contact_on == today
