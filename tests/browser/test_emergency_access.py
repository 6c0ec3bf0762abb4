"""Break-the-glass in a real browser (issue 14, item 3), in Urdu on a phone's width: a case
worker of another centre opens a case from the cases page with a reason, the case shows the
access to its team, and the lead organisation's data steward reviews it."""

from __future__ import annotations

import pytest

from bahali.testing import TEST_PASSWORD, PathwayWorld, pass_second_step

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
REASON = "Her brother called: a threat to her life tonight; the team cannot be reached."


def _sign_in(page, user) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/accounts/sign-in/")
    page.get_by_test_id("lang-ur").click()
    page.wait_for_selector("html[lang=ur]")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, user.username)


def test_an_outsider_opens_a_case_in_an_emergency_and_the_steward_reviews_it(page):
    world = PathwayWorld()
    case = world.case("centre")
    page.set_viewport_size({"width": 360, "height": 800})
    _sign_in(page, world.outsider)
    page.goto("/cases/")
    page.get_by_test_id("emergency-link").click()
    page.wait_for_selector("[data-testid=emergency-form]")
    assert page.evaluate(OVERFLOW) <= 0
    page.fill("#id_code", case.participant.code)
    page.fill("#id_reason", REASON)
    page.get_by_test_id("open-emergency").click()
    page.wait_for_selector("[data-testid=case-header]")
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert page.locator("[data-testid^=case-alert-emergency-]").count() == 1
    assert page.evaluate(OVERFLOW) <= 0

    _sign_in(page, world.steward)
    page.goto("/cases/emergency/review/")
    page.wait_for_selector("[data-testid=emergency-review-form]")
    assert page.evaluate(OVERFLOW) <= 0
    page.fill("[data-testid=emergency-review-form] textarea", "Justified: the police were told.")
    page.get_by_test_id("review-emergency").click()
    page.wait_for_selector("[data-testid=emergency-review-form]", state="detached")
    assert "Justified" in page.content()
    assert page.console_errors == []
