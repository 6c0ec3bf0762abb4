"""Decided once: two people resolving the same conflict at once (one keeps the field's
version, the other the record's) end with exactly one decision applied; the same instance
sent twice at once is stored once."""

from __future__ import annotations

import uuid

import pytest

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def _xml(case, check_in, version: int, instance: str) -> bytes:
    return (
        f'<data id="{xforms.CHECK_IN_FORM}" version="{xforms.CHECK_IN_REVISION}">'
        f"<case>{case.participant.code}</case><checkin>{check_in.pk}</checkin>"
        f"<checkin_version>{version}</checkin_version><done_on>{case.opened_on}</done_on>"
        "<method>home_visit</method><wellbeing>good</wellbeing><warnings/><notes/>"
        f"<follow_up/><meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def test_a_conflict_resolved_twice_at_once_is_decided_once():
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    stale = _xml(case, check_in, check_in.version + 1, f"uuid:{uuid.uuid4()}")
    submission, _new = services.receive_submission(actor=world.mentor, xml=stale)
    assert submission.status == SubmissionStatus.CONFLICT

    def resolve(user, choice):
        return lambda: services.resolve_conflict(
            actor=user,
            submission=Submission.objects.get(pk=submission.pk),
            choice=choice,
            expected_version=submission.version,
        )

    outcomes = race(resolve(world.mentor, "field"), resolve(world.case_worker, "record"))
    won = winners(outcomes)
    assert len(won) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))
    saved = Submission.objects.get(pk=submission.pk)
    assert saved.status == won[0].status
    recorded = CheckIn.objects.filter(case=case, done_on__isnull=False).count()
    assert recorded == (1 if saved.status == SubmissionStatus.APPLIED else 0)


def test_the_same_instance_sent_twice_at_once_is_stored_once():
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    xml = _xml(case, check_in, check_in.version, f"uuid:{uuid.uuid4()}")

    def send():
        return services.receive_submission(actor=world.mentor, xml=xml)

    outcomes = race(send, send)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(created for _s, created in outcomes) == [False, True]
    assert Submission.objects.count() == 1
    assert CheckIn.objects.filter(case=case, done_on__isnull=False).count() == 1
