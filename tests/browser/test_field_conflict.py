"""Journey 8.3 in two browsers: a mentor and a case worker each open the offline check-in
page while connected, lose the connection, and record the same planned check-in. The first
to reconnect records it; the second's copy is not written over it but waits in the conflict
queue, where the case worker sees both versions side by side and keeps one."""

from __future__ import annotations

import pytest

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.core.context import SYSTEM
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import TEST_PASSWORD, PathwayWorld, pass_second_step
from tests.browser.field_offline import COUNT, fill, keep, open_offline_page

pytestmark = pytest.mark.django_db(transaction=True)


def _open_offline_page(page, user):
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, user.username)
    open_offline_page(page)


def _fill_offline(page, code, day, method, notes):
    page.context.set_offline(True)
    fill(
        page,
        {"case": code, "done_on": day, "method": method, "wellbeing": "fair", "notes": notes},
    )
    keep(page, 1)


def _reconnect(page):
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(COUNT % "0", timeout=60_000)


def test_the_same_check_in_offline_in_two_browsers_ends_in_the_conflict_queue(
    browser, live_server, page
):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    code, day = case.participant.code, world.today.isoformat()
    office = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 780})
    other = office.new_page()
    try:
        _open_offline_page(page, world.mentor)
        _open_offline_page(other, world.case_worker)

        _fill_offline(page, code, day, "home_visit", "Visited at home")
        _fill_offline(other, code, day, "phone", "Spoke on the phone")
        assert not Submission.objects.exists()

        _reconnect(page)
        first = Submission.objects.get()
        assert first.status == SubmissionStatus.APPLIED, first.reason
        _reconnect(other)
        assert "conflict" in other.get_by_test_id("offline-sent").inner_text().lower()
        second = Submission.objects.exclude(pk=first.pk).get()
        assert second.status == SubmissionStatus.CONFLICT and second.user == world.case_worker

        # nothing written over: the check-in holds the first version only
        recorded = CheckIn.objects.get(pk=check_in.pk)
        assert recorded.method == "home_visit" and recorded.recorded_by == world.mentor
        assert CheckIn.objects.filter(case=case, done_on__isnull=False).count() == 1

        other.goto("/field/conflicts/")
        other.get_by_test_id("conflict-row").get_by_role("link").click()
        table = other.get_by_test_id("side-by-side")
        assert "phone" in table.inner_text() and "home_visit" in table.inner_text()
        other.get_by_role("button", name="Keep what is recorded").click()
        other.wait_for_selector("[data-testid=no-conflicts]")
        second.refresh_from_db()
        assert second.status == SubmissionStatus.SET_ASIDE
        assert CheckIn.objects.filter(case=case, done_on__isnull=False).count() == 1
    finally:
        office.close()


def test_forms_kept_while_the_session_ended_are_sent_after_signing_in_again(page, sign_in):
    """Hours in a valley outlast a 30-minute session: when the connection returns, the page
    says to sign in again, keeps the form (encrypted), and sends it once signed in."""
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    page.set_default_timeout(60_000)
    sign_in(world.mentor)
    open_offline_page(page)
    _fill_offline(page, case.participant.code, world.today.isoformat(), "phone", "Called")
    page.context.clear_cookies()  # the session ended meanwhile
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("[data-testid=offline-sign-in]:not([hidden])")
    assert page.get_by_test_id("offline-waiting").get_attribute("data-count") == "1"
    assert not Submission.objects.exists()

    page.reload()  # the sign-in page is not kept as the form: offline, the form still opens
    page.context.set_offline(True)
    page.goto("/field/offline/")
    page.wait_for_function(COUNT % "1")
    page.context.set_offline(False)

    sign_in(world.mentor)
    page.goto("/field/offline/")
    page.wait_for_function(COUNT % "0")
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED, submission.reason
    assert CheckIn.objects.get(pk=check_in.pk).method == "phone"
