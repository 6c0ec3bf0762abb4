"""Journey 8.4 in a browser: the offline page is opened once while connected (an installable
web app: its manifest and service worker); then, with the network cut off, a check-in, an
assessment and a mentor meeting are filled and kept ("3 waiting to send") — encrypted on
the device, nothing of them readable there — the page is reloaded with no network (the
service worker serves it, the queue is still there), and when the network returns all three
are sent on their own and applied through the aftercare, assessments and casework services."""

from __future__ import annotations

import json

import pytest

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.assessments.models import Assessment, AssessmentStatus, Instrument
from bahali.assessments.services import load_builtin_instruments
from bahali.casework import services as casework
from bahali.casework.models import MentorMeeting
from bahali.core.context import SYSTEM
from bahali.field import xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.field.tests.test_forms import _answers
from bahali.testing import PathwayWorld
from tests.browser.field_offline import COUNT, KEPT, fill, keep, open_offline_page, pick_form

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_check_in_an_assessment_and_a_meeting_filled_offline_are_sent_when_back_online(
    page, sign_in
):
    world = PathwayWorld()
    load_builtin_instruments(actor=SYSTEM)
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    assignment = casework.assign_mentor(
        actor=world.case_worker,
        case=case,
        mentor=case.team.get(case_role="mentor"),
        starts_on=case.opened_on,
        frequency="weekly",
    )
    instrument = Instrument.objects.get(code="needs")
    form_id = f"{xforms.ASSESSMENT_PREFIX}{instrument.code}"
    code = case.participant.code
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    sign_in(world.mentor)
    open_offline_page(page)
    pick_form(page, xforms.CHECK_IN_FORM)

    # installable: the browser reads the manifest without an error
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/field/manifest.webmanifest"), manifest
    assert manifest["errors"] == [], manifest["errors"]
    parsed = json.loads(manifest["data"])
    assert parsed["start_url"] == "/field/offline/" and parsed["display"] == "standalone"
    problems = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [p for p in problems if p["errorId"] != "in-incognito"] == [], problems

    page.context.set_offline(True)
    fill(
        page,
        {
            "case": code,
            "done_on": world.today.isoformat(),
            "method": "home_visit",
            "wellbeing": "fair",
            "warnings": "threats_received",
            "notes": "Worried about the brother",
            "follow_up": "Tell the team at once",
        },
    )
    keep(page, 1)

    pick_form(page, form_id)
    answers = _answers(instrument.current_version().definition)
    first_text = next(name for name, value in answers.items() if value == "Some text")
    answers[first_text] = "Settled with his family"
    fill(
        page,
        {"bahali_case": code, "bahali_assessed_on": world.today.isoformat(), **answers},
    )
    keep(page, 2)

    pick_form(page, xforms.MEETING_FORM)
    fill(
        page,
        {
            "case": code,
            "met_on": world.today.isoformat(),
            "duration_minutes": "40",
            "place": "The tea shop",
            "summary": "Asked about the apprenticeship",
            "concerns": "no",
        },
    )
    keep(page, 3)
    assert "3" in page.get_by_test_id("offline-waiting").inner_text()

    kept = page.evaluate(KEPT)
    for secret in (code, "brother", "Settled with his family", "tea shop", "<data"):
        assert secret not in kept, secret  # encrypted on the device
    assert len(json.loads(kept)["queue"]) == 3

    page.reload()  # no network: served by the worker; the queue is on the device
    page.wait_for_function(COUNT % "3")
    assert not Submission.objects.exists()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(COUNT % "0", timeout=60_000)
    by_kind = {s.kind: s for s in Submission.objects.all()}
    assert by_kind["check_in"].status == SubmissionStatus.APPLIED, by_kind["check_in"].reason
    assert by_kind["assessment"].status == SubmissionStatus.APPLIED, by_kind["assessment"].reason
    assert by_kind["meeting"].status == SubmissionStatus.APPLIED, by_kind["meeting"].reason
    logged = MentorMeeting.objects.get(assignment=assignment)
    assert logged.place == "The tea shop" and logged.duration_minutes == 40
    check_in = CheckIn.objects.get(pk=check_in.pk)
    assert check_in.is_done and check_in.threats_received
    assert check_in.recorded_by == world.mentor and check_in.notes == "Worried about the brother"
    assessment = Assessment.objects.get(case=case)
    assert assessment.status == AssessmentStatus.COMPLETED
    # enketo-core ran under the CSP: no violation reported (only the fetches refused offline)
    errors = [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert errors == [], errors
