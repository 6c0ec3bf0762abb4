"""Every form Bahali serves passes ODK Validate (the JavaRosa validator pyxform ships, run on
the machine's Java), carries Urdu and Pashto labels, and an assessment filled on a phone is
applied through the assessments' own services (a case that moved phase: a conflict)."""

from __future__ import annotations

import shutil
import uuid

import pytest
from pyxform.validators import odk_validate

from bahali.assessments import definition as spec
from bahali.assessments.models import Assessment, AssessmentStatus, Instrument
from bahali.assessments.services import load_builtin_instruments
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_every_generated_form_passes_odk_validate(tmp_path):
    load_builtin_instruments(actor=SYSTEM)
    forms = [xforms.check_in_form(), xforms.meeting_form(), *xforms.assessment_forms()]
    assert len(forms) >= 4
    for form in forms:
        xml = form.xml()
        assert b'lang="Urdu (ur)"' in xml and b'lang="Pashto (ps)"' in xml
        path = tmp_path / f"{form.form_id}.xml"
        path.write_bytes(xml)
        odk_validate.check_xform(str(path))  # raises ODKValidateError on any error


def _answers(definition):
    """A complete, valid answer to every item (the first choice, a number, a date)."""
    values = {}
    for item in spec.items(definition):
        kind = item["type"]
        if kind in ("select_one", "rating", spec.YES_NO_UNKNOWN, "select_multiple"):
            values[item["name"]] = spec.choices_for(definition, item)[0]["name"]
        elif kind in ("integer", "decimal"):
            values[item["name"]] = "1"
        elif kind == "date":
            values[item["name"]] = "2026-01-01"
        else:
            values[item["name"]] = "Some text"
    for domain in spec.rated_domains(definition):
        values[f"rating_{domain['name']}"] = "moderate"
        values[f"rationale_{domain['name']}"] = "Seen at home"
    if definition.get("overall"):
        values["overall_rating"] = "low"
        values["overall_rationale"] = "Settled"
    return values


def _instance(form, values) -> bytes:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return (
        f'<data id="{form.form_id}" version="{form.version}">{body}'
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()


def test_assessment_from_the_field_applied_or_in_conflict_when_the_phase_moved():
    world = PathwayWorld()
    load_builtin_instruments(actor=SYSTEM)
    case = world.case(phase="aftercare")
    instrument = Instrument.objects.get(code="needs")
    form = xforms.instrument_form(instrument.current_version())
    values = {
        "bahali_case": case.participant.code,
        "bahali_phase": str(case.phase_id),
        "bahali_assessed_on": str(world.today),
        **_answers(instrument.current_version().definition),
    }
    submission, created = services.receive_submission(
        actor=world.psychologist, xml=_instance(form, values)
    )
    assert created and submission.status == SubmissionStatus.APPLIED, submission.reason
    assessment = Assessment.objects.get(case=case)
    assert assessment.status == AssessmentStatus.COMPLETED
    # filled before the case moved phase: waits for a person
    other = case.programme.phases.exclude(pk=case.phase_id).first()
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(phase=other)
    stale, _ = services.receive_submission(actor=world.psychologist, xml=_instance(form, values))
    assert stale.status == SubmissionStatus.CONFLICT
    assert Assessment.objects.filter(case=case).count() == 1
    services.resolve_conflict(
        actor=world.psychologist, submission=stale, choice="field", expected_version=1
    )
    assert Assessment.objects.filter(case=case).count() == 2
    assert Submission.objects.filter(status=SubmissionStatus.APPLIED).count() == 2
