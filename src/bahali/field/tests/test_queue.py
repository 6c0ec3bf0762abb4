"""Submissions received in bulk (stored, not yet applied) are applied by ``bahali field apply``:
each as its submitter, stale ones to the conflict queue, and every case's due date right
afterwards although it was recomputed once per batch (``cases.due.deferred``)."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command

from bahali.aftercare import services as aftercare
from bahali.cases import due
from bahali.core.context import SYSTEM, acting_as
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _xml(case, check_in, version) -> bytes:
    values = {
        "case": case.participant.code,
        "checkin": str(check_in.pk),
        "checkin_version": str(version),
        "done_on": str(case.opened_on),
        "method": "home_visit",
        "wellbeing": "good",
        "warnings": "",
        "notes": "",
        "follow_up": "",
    }
    xml = services.instance_xml(
        xforms.CHECK_IN_FORM, xforms.CHECK_IN_REVISION, values, f"uuid:{uuid.uuid4()}"
    )
    return xml.encode()


def test_the_waiting_queue_is_applied_and_due_dates_are_right(capsys, monkeypatch):
    world = PathwayWorld()
    cases = [world.case(phase="aftercare") for _ in range(2)]
    for case in cases:
        aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)
    for case in cases:
        first, second = case.check_ins.order_by("due_on", "pk")[:2]
        services.receive_submission(actor=world.mentor, xml=_xml(case, first, 1), apply=False)
        services.receive_submission(actor=world.mentor, xml=_xml(case, second, 9), apply=False)
    assert Submission.objects.filter(status=SubmissionStatus.RECEIVED).count() == 4
    calls: list[list[int]] = []
    refresh = due.refresh
    monkeypatch.setattr(due, "refresh", lambda ids=None: calls.append(list(ids)) or refresh(ids))
    call_command("field", "apply")
    assert "4 submission(s) applied (applied: 2, conflict: 2)" in capsys.readouterr().out
    # one refresh for the batch, of both cases (not one per check-in written)
    assert calls == [sorted(case.pk for case in cases)]
    monkeypatch.undo()
    assert due.refresh([case.pk for case in cases]) == 0  # nothing left stale
    call_command("field", "apply")
    assert "0 submission(s) applied" in capsys.readouterr().out


def test_a_submitter_deactivated_during_the_queue_is_refused_from_then_on(monkeypatch):
    """The queue keeps one object per submitter for speed, but reads the account again
    after ``FRESH_FOR`` seconds: a mentor deactivated mid-queue makes no further change."""
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)
    first, second = case.check_ins.order_by("due_on", "pk")[:2]
    for check_in in (first, second):
        services.receive_submission(actor=world.mentor, xml=_xml(case, check_in, 1), apply=False)
    monkeypatch.setattr(services, "FRESH_FOR", 0.0)
    apply = services.apply_submission

    def then_deactivate(*, actor, submission):
        applied = apply(actor=actor, submission=submission)
        with acting_as(SYSTEM):  # a data steward deactivates the account meanwhile
            type(world.mentor).objects.filter(pk=world.mentor.pk).update(is_active=False)
        return applied

    monkeypatch.setattr(services, "apply_submission", then_deactivate)
    counts = services.apply_received()
    assert counts.get("applied") == 1 and sum(counts.values()) == 2, counts
    second.refresh_from_db()
    assert second.done_on is None
