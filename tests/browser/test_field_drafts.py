"""Journey 8.4, drafts: a check-in half-filled with no connection is kept on the device as a
draft, encrypted (saved on its own a moment after the last answer, and with "Save draft"),
survives a reload with no network, is reopened from the list, finished and kept to send;
once the connection returns it is sent, applied, and its draft is gone from the device."""

from __future__ import annotations

import json

import pytest

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.core.context import SYSTEM
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import PathwayWorld
from tests.browser.field_offline import COUNT, KEPT, VALUE, fill, keep, open_offline_page

pytestmark = pytest.mark.django_db(transaction=True)

DRAFTS = "(count) => document.querySelectorAll('[data-testid=offline-draft]').length === count"


def test_a_draft_kept_offline_is_reopened_after_a_reload_finished_and_sent(page, sign_in):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    code = case.participant.code
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    sign_in(world.mentor)
    open_offline_page(page)
    assert page.get_by_test_id("offline-no-drafts").is_visible()

    page.context.set_offline(True)
    fill(page, {"case": code, "method": "home_visit", "notes": "Mother at home"})
    page.wait_for_function(DRAFTS, arg=1)  # saved on its own
    page.get_by_test_id("offline-save-draft").click()  # and when asked: the same draft
    page.wait_for_function(
        "(name) => !document.querySelector(`[name$='/${name}']`).value", arg="notes"
    )
    assert page.evaluate(VALUE, "notes") == ""  # a fresh form to fill meanwhile
    page.wait_for_function(DRAFTS, arg=1)
    assert "saved" in page.get_by_test_id("offline-draft-status").inner_text()

    kept = json.loads(page.evaluate(KEPT))
    assert len(kept["drafts"]) == 1 and kept["queue"] == []
    for secret in (code, "Mother at home", "home_visit", "<data"):
        assert secret not in json.dumps(kept), secret  # encrypted on the device

    page.reload()  # no network: the service worker serves the page; the draft is on the device
    page.wait_for_selector("[data-testid=offline-form-host] form.or")
    page.wait_for_function(DRAFTS, arg=1)
    assert code in page.get_by_test_id("offline-draft").inner_text()
    page.get_by_test_id("offline-draft-open").click()
    page.wait_for_function(
        "(name) => document.querySelector(`[name$='/${name}']`).value === 'Mother at home'",
        arg="notes",
    )
    assert page.evaluate(VALUE, "case") == code
    assert page.evaluate(VALUE, "method") == "home_visit"

    fill(page, {"done_on": world.today.isoformat(), "wellbeing": "good"})
    keep(page, 1)
    page.wait_for_function(DRAFTS, arg=0)  # waiting to send, no longer a draft
    assert page.get_by_test_id("offline-no-drafts").is_visible()
    assert not Submission.objects.exists()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(COUNT % "0", timeout=60_000)
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED, submission.reason
    recorded = CheckIn.objects.get(pk=check_in.pk)
    assert recorded.method == "home_visit" and recorded.notes == "Mother at home"
    assert recorded.recorded_by == world.mentor
    kept = json.loads(page.evaluate(KEPT))
    assert kept["drafts"] == [] and kept["queue"] == []  # sent: its draft is deleted
    # no CSP violation, no error of the engine (only the fetches the cut network refused)
    errors = [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert errors == [], errors
