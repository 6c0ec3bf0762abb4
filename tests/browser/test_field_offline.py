"""Journey 8.4 in a browser, for a check-in: the page is opened once while connected; then,
with the network cut off, a check-in is filled and kept ("1 waiting to send"), the page is
reloaded with no network (the service worker serves it, the queue is still there), and when
the network returns it is sent on its own and applied through the aftercare service."""

from __future__ import annotations

import pytest

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.core.context import SYSTEM
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_check_in_filled_offline_is_sent_when_the_network_returns(page, sign_in):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    code = case.participant.code
    page.set_default_timeout(60_000)  # a loaded 2-core machine
    sign_in(world.mentor)
    page.goto("/field/offline/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the worker, which keeps the page and its assets
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    waiting = page.get_by_test_id("offline-waiting")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=offline-waiting]').dataset.count === '0'"
    )

    page.context.set_offline(True)
    page.select_option("#case", code)
    page.fill("#done_on", world.today.isoformat())
    page.select_option("#method", "home_visit")
    page.select_option("#wellbeing", "fair")
    page.check("#w-threats_received")
    page.fill("#follow_up", "Tell the team at once")
    page.get_by_test_id("offline-keep").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=offline-waiting]').dataset.count === '1'"
    )
    assert "1" in waiting.inner_text()

    page.reload()  # no network: served by the worker; the queue is on the device
    page.wait_for_function(
        "() => document.querySelector('[data-testid=offline-waiting]').dataset.count === '1'"
    )
    assert not Submission.objects.exists()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=offline-waiting]').dataset.count === '0'",
        timeout=60_000,
    )
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED, submission.reason
    check_in = CheckIn.objects.get(pk=check_in.pk)
    assert check_in.is_done and check_in.threats_received
    assert check_in.recorded_by == world.mentor
