"""Aftercare services: the schedule from the programme (and on entering aftercare through a
gate), recording check-ins with warnings, overdue alerts in My work and the overdue filter,
outcome events and their verification, recidivism counting only verified negative events."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.aftercare import services
from bahali.aftercare.models import CheckIn, OutcomeEvent, Verification
from bahali.cases import due, work
from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Conflict
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def test_schedule_months_monthly_then_quarterly():
    assert services.schedule_months(6) == [1, 2, 3, 4, 5, 6]
    assert services.schedule_months(12) == [1, 2, 3, 4, 5, 6, 9, 12]
    assert services.schedule_months(24) == [1, 2, 3, 4, 5, 6, 9, 12, 15, 18, 21, 24]
    assert services.schedule_months(8) == [1, 2, 3, 4, 5, 6, 8]
    assert services.schedule_months(3) == [1, 2, 3]
    assert services.schedule_months(0) == []


def test_add_months_clamps_to_the_month_end():
    assert services.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert services.add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)


def test_plan_from_the_programme(world):
    case = world.case(phase="aftercare")  # centre programme: 12 months of aftercare
    start = world.today
    planned = services.plan_check_ins(actor=world.case_worker, case=case, starts_on=start)
    assert [c.due_on for c in planned] == [
        services.add_months(start, m) for m in (1, 2, 3, 4, 5, 6, 9, 12)
    ]
    with pytest.raises(ValidationError, match="already planned"):
        services.plan_check_ins(actor=world.case_worker, case=case, starts_on=start)
    assert case.check_ins.count() == 8


def test_plan_refused_to_outsiders_and_committee(world):
    case = world.case(phase="aftercare")
    for user in (world.outsider, world.committee_member, world.liaison):
        with pytest.raises(PermissionDenied):
            services.plan_check_ins(actor=user, case=case)
    assert not CheckIn.objects.exists()


def test_entering_aftercare_through_the_gate_plans_the_schedule(world):
    case = world.case(phase="reintegration")
    transition = case.programme.transitions.get(from_phase=case.phase, to_phase__code="aftercare")
    request = cases.request_transition(
        actor=world.case_worker, case=case, transition=transition, reason="Settled at home"
    )
    cases.record_sign_off(actor=world.trainer, request=request, decision="approve", reason="ok")
    assert not case.check_ins.exists()
    cases.record_sign_off(
        actor=world.committee_member, request=request, decision="approve", reason="ok"
    )
    case.refresh_from_db()
    assert case.phase.code == "aftercare"
    due = list(case.check_ins.values_list("due_on", flat=True))
    assert due[0] == services.add_months(world.today, 1)
    assert len(due) == len(services.schedule_months(case.programme.aftercare_months))


def _overdue_case(world) -> tuple[Case, CheckIn]:
    case = world.case(phase="aftercare")
    start = world.today - 40 * DAY
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(opened_on=start - 100 * DAY)
    case.refresh_from_db()
    planned = services.plan_check_ins(actor=world.case_worker, case=case, starts_on=start)
    return case, planned[0]


def test_overdue_check_ins_alert_in_my_work_and_the_case_filter(world):
    case, first = _overdue_case(world)
    assert first.due_on < world.today
    items = [i for i in work.items_for(world.case_worker) if i.kind == "check_in"]
    assert items and items[0].overdue and items[0].due == first.due_on
    mentor_items = [i for i in work.items_for(world.mentor) if i.kind == "check_in"]
    assert mentor_items  # the mentor answers for check-ins too
    assert not [i for i in work.items_for(world.scholar) if i.kind == "check_in"]
    assert Case.objects.filter(due.overdue()).filter(pk=case.pk).exists()
    assert list(services.overdue_check_ins(Case.objects.all())) == [first]


def test_recording_clears_the_alert(world):
    case, first = _overdue_case(world)
    services.record_check_in(
        actor=world.mentor,
        check_in=first,
        done_on=world.today - 1 * DAY,
        method="home_visit",
        wellbeing="good",
    )
    assert not services.overdue_check_ins(Case.objects.all()).exists()
    assert not Case.objects.filter(due.overdue()).filter(pk=case.pk).exists()


def test_warning_needs_follow_up_and_brings_a_follow_up_check_in(world):
    case, first = _overdue_case(world)
    with pytest.raises(ValidationError) as error:
        services.record_check_in(
            actor=world.mentor,
            check_in=first,
            done_on=world.today,
            method="phone",
            wellbeing="poor",
            warnings=["lost_job", "renewed_contact"],
        )
    assert "follow_up" in error.value.message_dict
    first.refresh_from_db()
    assert not first.is_done
    services.record_check_in(
        actor=world.mentor,
        check_in=first,
        done_on=world.today,
        method="phone",
        wellbeing="poor",
        warnings=["lost_job", "renewed_contact"],
        follow_up="Team meets on Monday; refer to the livelihood programme.",
    )
    first.refresh_from_db()
    assert first.lost_job and first.renewed_contact and not first.threats_received
    assert [str(w) for w in first.warnings] == [
        "Lost job or income",
        "Renewed contact with group members",
    ]
    follow_up = case.check_ins.get(is_follow_up=True)
    assert follow_up.due_on <= world.today + services.FOLLOW_UP_DAYS * DAY


def test_bad_input_refused(world):
    _case, first = _overdue_case(world)
    with pytest.raises(ValidationError) as error:
        services.record_check_in(
            actor=world.mentor,
            check_in=first,
            done_on=world.today + 2 * DAY,
            method="telepathy",
            wellbeing="meh",
            warnings=["bad_luck"],
        )
    assert set(error.value.message_dict) >= {"done_on", "method", "wellbeing", "warnings"}


def test_stale_check_in_refused(world):
    _case, first = _overdue_case(world)
    services.record_check_in(
        actor=world.mentor,
        check_in=first,
        done_on=world.today,
        method="phone",
        wellbeing="good",
        expected_version=1,
    )
    with pytest.raises(Conflict, match="recorded already"):
        services.record_check_in(
            actor=world.case_worker,
            check_in=first,
            done_on=world.today,
            method="phone",
            wellbeing="good",
            expected_version=1,
        )


# --- outcomes -----------------------------------------------------------------------


def _event(world, case, kind="re_arrest", actor=None, **kw):
    kw.setdefault("occurred_on", world.today)
    kw.setdefault("source", "police")
    kw.setdefault("description", "Arrested at a checkpoint")
    return services.report_outcome(actor=actor or world.liaison, case=case, kind=kind, **kw)


def test_committee_reports_but_cannot_read_or_verify(world):
    case = world.case(phase="aftercare")
    event = _event(world, case, kind="community_acceptance", actor=world.committee_member)
    assert event.verification == Verification.REPORTED
    assert event.reporting_organisation == world.committee
    assert not OutcomeEvent.objects.visible_to(world.committee_member, "outcome_event").exists()
    with pytest.raises(PermissionDenied):
        services.verify_outcome(
            actor=world.committee_member, event=event, verification="verified", note="Saw it"
        )


def test_negative_event_needs_a_description(world):
    case = world.case(phase="aftercare")
    with pytest.raises(ValidationError):
        _event(world, case, description="")
    assert not OutcomeEvent.objects.exists()


def test_only_managers_verify_with_a_basis(world):
    case = world.case(phase="aftercare")
    event = _event(world, case)
    for user in (world.case_worker, world.liaison, world.monitor):
        with pytest.raises(PermissionDenied):
            services.verify_outcome(actor=user, event=event, verification="verified", note="x")
    with pytest.raises(ValidationError):
        services.verify_outcome(actor=world.manager, event=event, verification="verified", note="")
    services.verify_outcome(
        actor=world.manager, event=event, verification="disproved", note="Mistaken identity"
    )
    event.refresh_from_db()
    assert event.verification == Verification.DISPROVED and event.verified_by == world.manager


def _returned(world) -> Case:
    """A case that entered aftercare (the phase history says so)."""
    return world.case(phase="aftercare")


def test_recidivism_counts_only_verified_negative_events(world):
    first, second, third, fourth = (_returned(world) for _ in range(4))
    _event(world, first)  # reported: not counted
    disproved = _event(world, second)
    services.verify_outcome(
        actor=world.manager, event=disproved, verification="disproved", note="Wrong man"
    )
    verified = _event(world, third, kind="reconviction")
    services.verify_outcome(
        actor=world.manager, event=verified, verification="verified", note="Court record"
    )
    positive = _event(world, fourth, kind="employment", source="employer", description="")
    services.verify_outcome(
        actor=world.manager, event=positive, verification="verified", note="Letter"
    )
    figure = services.recidivism(Case.objects.all())
    assert figure.returned == 4
    assert figure.recidivists == 1
    assert figure.rate == 0.25
    assert figure.awaiting_verification == 1 and figure.disproved == 1
    assert "verified" in str(figure.definition)
    rows = {str(label): (r, v, d) for label, r, v, d in services.outcome_counts(Case.objects.all())}
    assert rows["Re-arrest"] == (1, 0, 1)
    assert rows["Reconviction"] == (0, 1, 0)
    assert rows["Employment"] == (0, 1, 0)


def test_recidivism_of_no_returned_case_has_no_rate(world):
    world.case()
    figure = services.recidivism(Case.objects.all())
    assert figure.returned == 0 and figure.rate is None
