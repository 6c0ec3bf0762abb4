"""Refused submissions of the newer kinds — sessions with attendance, dialogues, community
readiness — are corrected and sent again like check-ins and assessments: by the submitter
only, once per version, through the same service path (applied once, refused again with the
reason, or in conflict when what the form was based on has moved since)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from bahali.accounts.roles import Role
from bahali.assessments.models import Assessment
from bahali.assessments.services import load_builtin_instruments
from bahali.cases.models import Case
from bahali.casework.models import Attendance, Session
from bahali.communities import readiness
from bahali.communities import services as communities
from bahali.communities.lookups import communities_visible_to
from bahali.communities.models import Dialogue
from bahali.core.context import SYSTEM, acting_as
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionKind, SubmissionStatus
from bahali.field.tests.test_new_forms import (
    _community,
    dialogue_values,
    instance,
    readiness_values,
    session_values,
)
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    load_builtin_instruments(actor=SYSTEM)
    return PathwayWorld()


@pytest.fixture
def village(world):
    return _community("Shah Dheri", world.committee)


def _send(user, form_id: str, version: str, values: dict[str, str]) -> Submission:
    submission, _new = services.receive_submission(
        actor=user, xml=instance(form_id, version, values).encode()
    )
    return submission


def _correct(user, submission: Submission, **answers: str) -> Submission:
    return services.correct_submission(
        actor=user, submission=submission, answers=answers, expected_version=submission.version
    )


def test_a_refused_session_is_corrected_applied_once_and_only_by_its_submitter(world):
    first, second = world.case(phase="aftercare"), world.case(phase="aftercare")
    values = session_values(first, absent=[second], duration_minutes="an hour")
    refused = _send(world.mentor, xforms.SESSION_FORM, xforms.SESSION_REVISION, values)
    assert refused.status == SubmissionStatus.REFUSED and "whole number" in refused.reason
    assert services.correctable(world.mentor).filter(pk=refused.pk).exists()
    names = [q.name for q in services.correction_questions(refused)]
    assert {"kind", "format", "held_on", "duration_minutes", "present", "absent"} <= set(names)
    for other in (world.case_worker, world.user_for(Role.DATA_STEWARD), world.outsider):
        assert not services.correctable(other).filter(pk=refused.pk).exists()
        with pytest.raises(PermissionDenied):
            _correct(other, refused, duration_minutes="45")
    assert not Session.objects.exists()

    corrected = _correct(world.mentor, refused, duration_minutes="45")
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    assert corrected.corrects_id == refused.pk and corrected.kind == SubmissionKind.SESSION
    session = Session.objects.get()
    assert session.duration_minutes == 45
    assert {(a.case_id, a.status) for a in Attendance.objects.filter(session=session)} == {
        (first.pk, "present"),
        (second.pk, "absent"),
    }
    refused.refresh_from_db()
    assert refused.status == SubmissionStatus.CORRECTED
    assert refused.values["duration_minutes"] == "an hour"  # what the device sent, kept
    with pytest.raises(PermissionDenied):  # corrected once: no longer refused
        _correct(world.mentor, refused, duration_minutes="50")
    assert Session.objects.count() == 1


def test_a_corrected_session_keeps_its_base_and_takes_an_added_participant_as_now(world):
    first, second = world.case(phase="aftercare"), world.case(phase="aftercare")
    refused = _send(
        world.mentor,
        xforms.SESSION_FORM,
        xforms.SESSION_REVISION,
        session_values(first, duration_minutes="x"),
    )
    # the case moved phase after the form was filled: the correction is still stale
    other = first.programme.phases.exclude(pk=first.phase_id).first()
    with acting_as(SYSTEM):
        Case.objects.filter(pk=first.pk).update(phase=other)
    stale = _correct(world.mentor, refused, duration_minutes="30")
    assert stale.status == SubmissionStatus.CONFLICT and not Session.objects.exists()
    assert stale in services.conflicts_for(world.mentor)

    # a participant added when correcting is taken as they are now: applied
    again = _send(
        world.mentor,
        xforms.SESSION_FORM,
        xforms.SESSION_REVISION,
        session_values(second, duration_minutes="x"),
    )
    both = _correct(
        world.mentor,
        again,
        duration_minutes="30",
        format="group",
        present=f"{second.participant.code} {first.participant.code}",
    )
    assert both.status == SubmissionStatus.APPLIED, both.reason
    assert set(Attendance.objects.values_list("case_id", flat=True)) == {first.pk, second.pk}


def test_a_session_corrected_to_a_case_out_of_reach_is_refused_without_saying_so(world):
    case = world.case(phase="aftercare")
    refused = _send(
        world.mentor,
        xforms.SESSION_FORM,
        xforms.SESSION_REVISION,
        session_values(case, duration_minutes="x"),
    )
    stranger = world.stranger_case()
    outside = _correct(
        world.mentor, refused, duration_minutes="30", present=stranger.participant.code
    )
    missing = _correct(world.mentor, outside, duration_minutes="30", present="NO-SUCH-CODE")
    assert outside.status == missing.status == SubmissionStatus.REFUSED
    assert outside.reason == missing.reason == services.not_yours()
    assert outside.case is None and not Session.objects.exists()


def test_a_refused_dialogue_is_corrected_and_applied_once(world, village):
    values = dialogue_values(village, men="many")
    refused = _send(world.committee_member, xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, values)
    assert refused.status == SubmissionStatus.REFUSED and "whole number" in refused.reason
    questions = {q.name: q for q in services.correction_questions(refused)}
    assert questions["community"].choices == [
        (str(village.pk), f"Shah Dheri · {village.tehsil.name}")
    ]
    with pytest.raises(PermissionDenied):
        _correct(world.manager, refused, men="20")
    corrected = _correct(world.committee_member, refused, men="20")
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    dialogue = Dialogue.objects.get()
    assert (dialogue.community, dialogue.men, dialogue.young_men) == (village, 20, 9)
    with pytest.raises(PermissionDenied):
        _correct(world.committee_member, refused, men="21")
    assert Dialogue.objects.count() == 1


def test_a_dialogue_corrected_to_another_community_takes_it_as_now_or_is_refused(world, village):
    other = _community("Kabal")
    elsewhere = District.objects.exclude(code="SWT").first()
    tehsil = geography.add_tehsil(actor=SYSTEM, district=elsewhere, name="Far tehsil")
    far = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Far village")
    reach = set(communities_visible_to(world.manager, "write").values_list("pk", flat=True))
    assert village.pk in reach and other.pk in reach and far.pk not in reach
    earlier = communities.record_dialogue(
        actor=world.manager,
        community=other,
        kind="jirga",
        held_on=datetime.date(2026, 11, 1),
        topic="Recorded on the page",
        facilitator="Sana",
        men=3,
    )
    values = dialogue_values(village, men="many", held_on="2026-11-09")
    refused = _send(world.manager, xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, values)
    assert refused.status == SubmissionStatus.REFUSED
    outside = _correct(world.manager, refused, men="3", community=str(far.pk))
    assert outside.status == SubmissionStatus.REFUSED and outside.reason == services.no_community()
    assert outside.community is None
    moved = _correct(world.manager, outside, men="3", community=str(other.pk))
    assert moved.status == SubmissionStatus.APPLIED, moved.reason
    assert moved.values["last_dialogue"] == str(earlier.pk)  # the community as it is now
    assert Dialogue.objects.get(held_on=datetime.date(2026, 11, 9)).community == other


def test_a_refused_readiness_assessment_is_corrected_and_applied_once(world, village):
    form = xforms.readiness_form()
    assert form is not None
    values = readiness_values(village, bahali_assessed_on="2999-01-01")
    refused = _send(world.committee_member, form.form_id, form.version, values)
    assert refused.status == SubmissionStatus.REFUSED, refused.reason
    names = [q.name for q in services.correction_questions(refused)]
    assert names[:2] == ["bahali_community", "bahali_assessed_on"] and len(names) > 3
    corrected = _correct(world.committee_member, refused, bahali_assessed_on="2026-11-02")
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    assert len(readiness.history(village)) == 1
    assert Assessment.objects.filter(community=village).count() == 1
    with pytest.raises(PermissionDenied):
        _correct(world.committee_member, refused, bahali_assessed_on="2026-11-03")


def test_the_page_corrects_a_session(client, world):
    case = world.case(phase="aftercare")
    refused = _send(
        world.mentor,
        xforms.SESSION_FORM,
        xforms.SESSION_REVISION,
        session_values(case, duration_minutes="an hour"),
    )
    assert sign_in(client, world.mentor).status_code == 302
    log = client.get("/field/submissions/").content.decode()
    assert f"/field/submissions/{refused.pk}/correct/" in log
    page = client.get(f"/field/submissions/{refused.pk}/correct/")
    assert page.status_code == 200
    assert 'name="duration_minutes"' in page.content.decode()
    posted = {q.name: q.value for q in services.correction_questions(refused)}
    response = client.post(
        f"/field/submissions/{refused.pk}/correct/",
        {**posted, "duration_minutes": "45", "version": refused.version},
    )
    assert response.status_code == 302 and response["Location"] == "/field/submissions/"
    assert Session.objects.get().duration_minutes == 45
    assert client.get(f"/field/submissions/{refused.pk}/correct/").status_code == 404
