"""A refused submission is kept with its reason, shown to its submitter, and can be corrected
and sent again — by the submitter only, once per version: the corrected copy goes through
the same service (applied, refused again, or in conflict) and the refused one stays as the
device sent it, marked corrected."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from bahali.accounts import services as accounts
from bahali.accounts.roles import Role
from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.assessments.models import Assessment, Instrument
from bahali.assessments.services import load_builtin_instruments
from bahali.core.context import SYSTEM
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.field.tests.test_forms import _answers, _instance
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def case(world):
    case = world.case(phase="aftercare")
    aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)
    return case


def _refused(world, case, **values) -> Submission:
    check_in = case.check_ins.order_by("due_on", "pk").first()
    fields = {
        "case": case.participant.code,
        "checkin": str(check_in.pk),
        "checkin_version": str(check_in.version),
        "done_on": str(world.today),
        "method": "home_visit",
        "wellbeing": "fair",
        "warnings": "threats_received",
        "notes": "Visited",
        "follow_up": "",  # a warning sign needs follow-up actions: refused
        **values,
    }
    xml = services.instance_xml(
        xforms.CHECK_IN_FORM, xforms.CHECK_IN_REVISION, fields, f"uuid:{uuid.uuid4()}"
    )
    submission, _new = services.receive_submission(actor=world.mentor, xml=xml.encode())
    assert submission.status == SubmissionStatus.REFUSED
    return submission


def test_corrected_check_in_is_applied_and_the_refused_one_kept(world, case):
    refused = _refused(world, case)
    check_in = refused.check_in_id and CheckIn.objects.get(pk=refused.values["checkin"])
    corrected = services.correct_submission(
        actor=world.mentor,
        submission=refused,
        answers={"follow_up": "Tell the team today", "warnings": "threats_received"},
        expected_version=refused.version,
    )
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    assert corrected.corrects_id == refused.pk and corrected.instance_id != refused.instance_id
    check_in.refresh_from_db()
    assert check_in.is_done and check_in.follow_up == "Tell the team today"
    refused.refresh_from_db()
    assert refused.status == SubmissionStatus.CORRECTED
    assert refused.values["follow_up"] == ""  # what the device sent, unchanged
    with pytest.raises(PermissionDenied):  # corrected once: no longer refused
        services.correct_submission(
            actor=world.mentor,
            submission=refused,
            answers={"follow_up": "again"},
            expected_version=refused.version,
        )


def test_corrected_again_refused_keeps_the_reason_and_can_be_corrected_again(world, case):
    refused = _refused(world, case)
    again = services.correct_submission(
        actor=world.mentor,
        submission=refused,
        answers={"done_on": "not a date", "follow_up": "Call"},
        expected_version=refused.version,
    )
    assert again.status == SubmissionStatus.REFUSED and "date" in again.reason
    assert not CheckIn.objects.filter(case=case, done_on__isnull=False).exists()
    third = services.correct_submission(
        actor=world.mentor,
        submission=again,
        answers={"done_on": str(world.today)},
        expected_version=again.version,
    )
    assert third.status == SubmissionStatus.APPLIED, third.reason
    assert third.values["follow_up"] == "Call"


def test_only_the_submitter_corrects(world, case):
    refused = _refused(world, case)
    for other in (world.case_worker, world.user_for(Role.DATA_STEWARD), world.outsider):
        assert not services.correctable(other).filter(pk=refused.pk).exists()
        with pytest.raises(PermissionDenied):
            services.correct_submission(
                actor=other, submission=refused, answers={}, expected_version=refused.version
            )
    refused.refresh_from_db()
    assert refused.status == SubmissionStatus.REFUSED


def test_a_correction_to_a_case_out_of_reach_is_refused_without_saying_so(world, case):
    stranger = world.stranger_case()
    aftercare.plan_check_ins(actor=SYSTEM, case=stranger, starts_on=world.today)
    refused = _refused(world, case)
    corrected = services.correct_submission(
        actor=world.mentor,
        submission=refused,
        answers={"case": stranger.participant.code, "follow_up": "Call"},
        expected_version=refused.version,
    )
    assert corrected.status == SubmissionStatus.REFUSED
    assert corrected.reason == services.not_yours() and corrected.case is None
    assert not stranger.check_ins.filter(done_on__isnull=False).exists()


def test_an_assessment_refused_then_corrected(world):
    load_builtin_instruments(actor=SYSTEM)
    case = world.case(phase="aftercare")
    instrument = Instrument.objects.get(code="needs")
    version = instrument.current_version()
    form = xforms.instrument_form(version)
    values = {
        "bahali_case": case.participant.code,
        "bahali_phase": str(case.phase_id),
        "bahali_assessed_on": "2999-01-01",  # in the future: refused
        **_answers(version.definition),
    }
    refused, _new = services.receive_submission(
        actor=world.psychologist, xml=_instance(form, values)
    )
    assert refused.status == SubmissionStatus.REFUSED, refused.reason
    names = [q.name for q in services.correction_questions(refused)]
    assert names[:2] == ["bahali_case", "bahali_assessed_on"] and len(names) > 3
    corrected = services.correct_submission(
        actor=world.psychologist,
        submission=refused,
        answers={"bahali_assessed_on": str(world.today)},
        expected_version=refused.version,
    )
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    assert Assessment.objects.filter(case=case).count() == 1


def test_the_page_shows_the_reason_and_sends_the_correction(client, world, case):
    refused = _refused(world, case)
    assert sign_in(client, world.mentor).status_code == 302
    log = client.get("/field/submissions/").content.decode()
    assert (
        'data-testid="correct-link"' in log and f"/field/submissions/{refused.pk}/correct/" in log
    )
    page = client.get(f"/field/submissions/{refused.pk}/correct/").content.decode()
    assert refused.reason in page.replace("&#x27;", "'")
    response = client.post(
        f"/field/submissions/{refused.pk}/correct/",
        {
            "version": refused.version,
            "case": case.participant.code,
            "done_on": str(world.today),
            "method": "phone",
            "wellbeing": "good",
            "warnings": ["threats_received", "lost_job"],
            "follow_up": "Meet on Friday",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/field/submissions/"
    check_in = CheckIn.objects.get(pk=refused.values["checkin"])
    assert check_in.is_done and check_in.method == "phone"
    assert check_in.lost_job and check_in.threats_received and check_in.notes == ""
    # corrected already: no page any more
    assert client.get(f"/field/submissions/{refused.pk}/correct/").status_code == 404


def test_the_page_refused_again_goes_to_the_new_correction(client, world, case):
    refused = _refused(world, case)
    assert sign_in(client, world.mentor).status_code == 302
    response = client.post(
        f"/field/submissions/{refused.pk}/correct/",
        {
            "version": refused.version,
            "case": case.participant.code,
            "done_on": "2999-01-01",
            "method": "phone",
            "wellbeing": "good",
            "follow_up": "x",
        },
    )
    again = Submission.objects.get(corrects=refused)
    assert response["Location"] == f"/field/submissions/{again.pk}/correct/"
    assert again.status == SubmissionStatus.REFUSED


def test_others_get_404_on_the_page_and_the_api(client, world, case):
    refused = _refused(world, case)
    assert sign_in(client, world.case_worker).status_code == 302
    assert client.get(f"/field/submissions/{refused.pk}/correct/").status_code == 404
    token = accounts.issue_api_token(actor=world.case_worker, name="t").secret
    response = Client().post(
        f"/api/v1/field/submissions/{refused.pk}/correction",
        {"answers": {"follow_up": "x"}, "version": refused.version},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404


def test_the_api_corrects(world, case):
    refused = _refused(world, case)
    token = accounts.issue_api_token(actor=world.mentor, name="t").secret
    url = f"/api/v1/field/submissions/{refused.pk}/correction"
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "answers": {"follow_up": "Visit again", "warnings": ["threats_received"]},
        "version": refused.version,
    }
    response = Client().post(url, body, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "applied"
    again = Client().post(url, body, content_type="application/json", headers=headers)
    assert again.status_code == 404  # corrected already: no longer refused


def test_the_api_refuses_odd_input_without_a_server_error(world, case):
    refused = _refused(world, case)
    token = accounts.issue_api_token(actor=world.mentor, name="t").secret
    url = f"/api/v1/field/submissions/{refused.pk}/correction"
    headers = {"Authorization": f"Bearer {token}"}
    for body in (
        {"answers": {"follow_up": "x"}, "version": 2**40},
        {"answers": {"follow_up": {"nested": 1}}, "version": refused.version},
        {"answers": "text", "version": refused.version},
        {"answers": {"follow_up": "bad\x00byte"}, "version": refused.version},
    ):
        response = Client().post(url, body, content_type="application/json", headers=headers)
        assert response.status_code in (409, 422), (body, response.status_code)
    refused.refresh_from_db()
    assert refused.status == SubmissionStatus.REFUSED
