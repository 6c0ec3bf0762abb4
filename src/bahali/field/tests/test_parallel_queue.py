"""A queue applied by several workers side by side (``bahali field apply --workers``): the
same outcome as one worker — every fresh submission applied once, every stale one in the
conflict queue, none lost — with the submissions about one case applied by one worker,
oldest first, and an audit chain that verifies. Each submission's stored evidence figures
are worked out once however many of its case's rows it saves."""

from __future__ import annotations

import zlib

import pytest
from django.core.management import call_command
from django.db import connection

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.assessments.models import Instrument
from bahali.assessments.services import load_builtin_instruments
from bahali.audit.services import verify_chain
from bahali.cases import due
from bahali.core.context import SYSTEM
from bahali.evidence import figures
from bahali.evidence.models import CaseFigures
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.field.tests.test_forms import _answers
from bahali.field.tests.test_new_forms import instance
from bahali.field.tests.test_queue import _xml
from bahali.testing import PathwayWorld


def test_a_submission_is_shared_out_by_what_it_is_about():
    def about(**values: str) -> str:
        return services.subject(Submission(instance_id="uuid:x", values=values))

    assert about(case="AB12", checkin="3") == "case:AB12"
    assert about(bahali_case="AB12") == "case:AB12"  # an assessment: the same case
    assert about(present="AB12 CD34", absent="") == "case:AB12"  # a session: its first
    assert about(community="7", last_dialogue="2") == "community:7"
    assert about(topic="nothing to go by") == "instance:uuid:x"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_geography")
def test_two_workers_apply_the_queue_as_one_would(capsys):
    world = PathwayWorld()
    cases = [world.case(phase="aftercare") for _ in range(6)]
    fresh = stale = 0
    for case in cases:
        aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)
        planned = list(case.check_ins.order_by("due_on", "pk")[:3])
        for n, check_in in enumerate(planned):
            version = 9 if n == 2 else 1  # the third based on a version it never had
            xml = _xml(case, check_in, version)
            services.receive_submission(actor=world.mentor, xml=xml, apply=False)
            fresh, stale = fresh + (version == 1), stale + (version == 9)
        # the same check-in twice: whichever comes second finds it done (a conflict)
        again = _xml(case, planned[0], 1)
        services.receive_submission(actor=world.mentor, xml=again, apply=False)
        stale += 1
    waiting = list(Submission.objects.filter(status=SubmissionStatus.RECEIVED).order_by("pk"))
    call_command("field", "apply", "--workers", "2")
    out = capsys.readouterr().out
    assert f"{fresh + stale} submission(s) applied (applied: {fresh}, conflict: {stale})" in out
    for submission in waiting:
        submission.refresh_from_db()
    # per case: the first two applied, the stale one and the later copy in conflict — the
    # order they came in, kept although two workers shared the queue
    for case in cases:
        mine = [s for s in waiting if s.values["case"] == case.participant.code]
        assert [s.status for s in mine] == ["applied", "applied", "conflict", "conflict"]
        assert CheckIn.objects.filter(case=case, done_on__isnull=False).count() == 2
    assert due.refresh([case.pk for case in cases]) == 0  # due dates right afterwards
    assert verify_chain().ok
    if connection.vendor == "postgresql":  # both workers had a share of the cases
        shares = {zlib.crc32(f"case:{c.participant.code}".encode()) % 2 for c in cases}
        assert shares == {0, 1}, "pick other cases: all six fell to one worker"


@pytest.mark.django_db
def test_an_assessment_submission_works_out_its_case_figures_once(monkeypatch):
    load_builtin_instruments(actor=SYSTEM)
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    version = Instrument.objects.get(code="needs").current_version()
    form = xforms.instrument_form(version)
    values = {
        "bahali_case": case.participant.code,
        "bahali_phase": str(case.phase_id),
        "bahali_assessed_on": str(world.today),
        **_answers(version.definition),
    }
    calls: list[tuple[list[int], set[str]]] = []
    refresh = figures.refresh

    def counted(case_ids=None, stays=True, parts=None):
        calls.append((list(case_ids), set(parts or ())))
        return refresh(case_ids, stays, parts)

    monkeypatch.setattr(figures, "refresh", counted)
    xml = instance(form.form_id, form.version, values).encode()
    submission, _new = services.receive_submission(actor=world.psychologist, xml=xml)
    assert submission.status == SubmissionStatus.APPLIED, submission.reason
    # started, then completed: one refresh, of the figures an assessment changes
    assert calls == [([case.pk], {"figures"})]
    monkeypatch.undo()
    stored = list(CaseFigures.objects.filter(case=case).values())
    figures.refresh([case.pk])  # worked out again from the records: nothing changes
    assert list(CaseFigures.objects.filter(case=case).values()) == stored
