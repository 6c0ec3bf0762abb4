"""Mentor meetings from the field (ODK Collect, KoboCollect, the offline page): the form lists
only cases with an ongoing mentor assignment the user may log under, the meeting is logged
through ``casework.log_mentor_meeting``, a refusal never says whether the case exists, and a
refused meeting is corrected and sent again."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from defusedxml import ElementTree as ET  # type: ignore[import-untyped]

from bahali.casework import services as casework
from bahali.casework.models import MentorMeeting
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionKind, SubmissionStatus
from bahali.field.tests.test_openrosa import FORMS, device
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return PathwayWorld()


def _assigned(world, phase="rehabilitation"):
    case = world.case(phase=phase)
    mentor = case.team.get(case_role="mentor")
    assignment = casework.assign_mentor(
        actor=world.case_worker,
        case=case,
        mentor=mentor,
        starts_on=case.opened_on,
        frequency="weekly",
    )
    return case, assignment


def _xml(owner, assignment, /, **values) -> str:
    fields = {
        "case": owner.participant.code,
        "assignment": str(assignment.pk),
        "met_on": str(owner.opened_on),
        "duration_minutes": "45",
        "place": "His uncle's shop",
        "summary": "Talked about the apprenticeship",
        "concerns": "yes",
        **values,
    }
    return services.instance_xml(
        xforms.MEETING_FORM, xforms.MEETING_REVISION, fields, f"uuid:{uuid.uuid4()}"
    )


def test_the_form_and_its_cases_over_openrosa(world):
    case, assignment = _assigned(world)
    world.case(phase="rehabilitation")  # no mentor assigned: not listed
    _credential, collect = device(world.mentor)
    root = ET.fromstring(collect.request("GET", "/openrosa/formList").content)
    ids = [f.findtext(f"{FORMS}formID") for f in root.findall(f"{FORMS}xform")]
    assert xforms.MEETING_FORM in ids
    form = collect.request("GET", f"/openrosa/forms/{xforms.MEETING_FORM}/form.xml")
    assert b'lang="Urdu (ur)"' in form.content and b"assignment" in form.content
    csv = collect.request("GET", f"/openrosa/forms/{xforms.MEETING_FORM}/media/cases.csv")
    lines = csv.content.decode().splitlines()
    assert lines == [
        "name,label,assignment",
        f"{case.participant.code},{case.participant.code},{assignment.pk}",
    ]
    _credential, analyst = device(world.analyst)
    root = ET.fromstring(analyst.request("GET", "/openrosa/formList").content)
    assert xforms.MEETING_FORM not in [
        f.findtext(f"{FORMS}formID") for f in root.findall(f"{FORMS}xform")
    ]


def test_a_meeting_from_the_field_is_logged_once(world):
    case, assignment = _assigned(world)
    _credential, collect = device(world.mentor)
    xml = _xml(case, assignment)
    assert collect.submit(xml).status_code == 201
    assert collect.submit(xml).status_code == 201  # sent twice: stored once
    submission = Submission.objects.get()
    assert submission.kind == SubmissionKind.MEETING
    assert submission.status == SubmissionStatus.APPLIED, submission.reason
    meeting = MentorMeeting.objects.get(assignment=assignment)
    assert meeting.duration_minutes == 45 and meeting.concerns
    assert meeting.summary == "Talked about the apprenticeship"


def test_out_of_reach_refused_like_a_missing_case(world):
    _case, _assignment = _assigned(world)
    stranger = world.stranger_case()
    missing = services.receive_submission(
        actor=world.mentor,
        xml=_xml(stranger, _assignment, case="NOPE-0000", assignment="999999").encode(),
    )[0]
    wrong_case = services.receive_submission(
        actor=world.mentor, xml=_xml(stranger, _assignment).encode()
    )[0]
    for refused in (missing, wrong_case):
        assert refused.status == SubmissionStatus.REFUSED
        assert refused.reason == services.not_yours() and refused.case is None
    assert not MentorMeeting.objects.exists()


def test_a_refused_meeting_is_corrected_on_the_page(client, world):
    case, assignment = _assigned(world)
    refused, _new = services.receive_submission(
        actor=world.mentor, xml=_xml(case, assignment, duration_minutes="", summary="").encode()
    )
    assert refused.status == SubmissionStatus.REFUSED
    assert sign_in(client, world.mentor).status_code == 302
    page = client.get(f"/field/submissions/{refused.pk}/correct/").content.decode()
    assert 'name="duration_minutes"' in page and 'name="summary"' in page
    client.post(
        f"/field/submissions/{refused.pk}/correct/",
        {
            "version": refused.version,
            "case": case.participant.code,
            "met_on": str(case.opened_on),
            "duration_minutes": "30",
            "place": "Home",
            "summary": "Fine",
            "concerns": "no",
        },
    )
    corrected = Submission.objects.get(corrects=refused)
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    assert MentorMeeting.objects.get(assignment=assignment).duration_minutes == 30


def test_the_offline_page_offers_the_meeting_form(client, world):
    case, assignment = _assigned(world)
    assert sign_in(client, world.mentor).status_code == 302
    text = client.get("/field/offline/").content.decode()
    assert f'data-enketo-form="{xforms.MEETING_FORM}"' in text
    assert 'name="/data/duration_minutes"' in text
    # the case picked gives the assignment: the form's lookup file, as enketo-core reads it
    found = re.search(r'<script id="field-forms" type="application/json">(.*?)</script>', text)
    assert found is not None
    external = json.loads(found.group(1))[xforms.MEETING_FORM]["external"]
    code = case.participant.code
    row = f"<name>{code}</name><label>{code}</label><assignment>{assignment.pk}</assignment>"
    assert external[0]["id"] == "cases" and row in external[0]["xml"]
