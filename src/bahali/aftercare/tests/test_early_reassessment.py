"""A check-in with warning signs brings the case's next progress reassessment forward: it
falls due within two weeks of the check-in, in the case's due date and in My work, unless a
progress assessment has been done since."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from bahali.aftercare import services
from bahali.assessments import services as assessments
from bahali.assessments.models import Assessment, AssessmentStatus, Instrument
from bahali.core.context import SYSTEM, acting_as
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
SOON = assessments.WARNING_REASSESS_DAYS * DAY


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _record(world, case, warnings=()):
    check_in = case.check_ins.filter(done_on__isnull=True).order_by("due_on").first()
    return services.record_check_in(
        actor=world.mentor,
        check_in=check_in,
        done_on=world.today,
        method="home_visit",
        wellbeing="poor" if warnings else "good",
        warnings=list(warnings),
        follow_up="The team meets on Monday." if warnings else "",
    )


def _aftercare_case(world):
    case = world.case(phase="aftercare")
    services.plan_check_ins(actor=world.case_worker, case=case, starts_on=world.today)
    return case


def test_the_rule():
    class Phase:
        reassess_every_days = 180

    class Case:
        phase = Phase()
        is_open = True
        phase_entered_on = datetime.date(2026, 1, 1)

    case = Case()
    last = datetime.date(2026, 3, 1)
    scheduled = last + 180 * DAY
    assert assessments.reassessment_due(case, last) == scheduled
    assert assessments.reassessment_due(case, last, last - DAY) == scheduled  # before: no change
    assert assessments.reassessment_due(case, last, last) == scheduled  # same day: assessed
    assert assessments.reassessment_due(case, last, last + 10 * DAY) == last + 10 * DAY + SOON
    late = scheduled - 5 * DAY  # the schedule comes sooner than the warning's two weeks
    assert assessments.reassessment_due(case, last, late) == scheduled
    assert assessments.reassessment_due(case, None, datetime.date(2026, 1, 2)) == datetime.date(
        2026, 1, 16
    )


def test_warned_check_in_brings_the_reassessment_forward(world):
    case = _aftercare_case(world)
    before = assessments.reassessment_due_dates([case.pk])[case.pk]
    assert before == case.phase_entered_on + assessments.BASELINE_DAYS * DAY
    _record(world, case)  # no warning: nothing moves
    assert assessments.reassessment_due_dates([case.pk])[case.pk] == before
    _record(world, case, ["renewed_contact"])
    soon = world.today + SOON
    assert assessments.reassessment_due_dates([case.pk])[case.pk] == soon
    assert (case, soon) in assessments.reassessments_due_for(world.case_worker)
    case.refresh_from_db()
    assert case.next_due_on is not None and case.next_due_on <= soon


def test_a_reassessment_since_the_warning_clears_it(world):
    case = _aftercare_case(world)
    _record(world, case, ["threats_received"])
    assert assessments.reassessment_due_dates([case.pk])[case.pk] == world.today + SOON
    # the team reassessed on the day of the warning (answers aside: only the date counts)
    with acting_as(SYSTEM):
        Assessment(
            case=case,
            instrument_version=Instrument.objects.get(code="progress").current_version(),
            assessor=world.psychologist,
            assessed_on=world.today,
            status=AssessmentStatus.COMPLETED,
            completed_at=timezone.now(),
        ).save()
    every = case.phase.reassess_every_days
    assert assessments.reassessment_due_dates([case.pk])[case.pk] == world.today + every * DAY
