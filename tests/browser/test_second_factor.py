"""Two-factor sign-in in a real browser (issue 14, item 1): a case worker's first sign-in sets
up the authenticator from the page (in Urdu, on a phone's width), sees the recovery codes
once, and signs in with a code next time (in English, on a laptop's)."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice

from bahali.accounts.roles import Role
from bahali.testing import TEST_PASSWORD, make_member

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _code(key: str, steps: int = 0) -> str:
    """What an authenticator app with ``key`` shows now (``steps`` time steps later)."""
    return str(totp(b32decode(key), step=30, t0=0, digits=6, drift=steps)).zfill(6)


def test_first_sign_in_sets_up_the_authenticator_then_codes_sign_in(page):
    user = make_member(Role.CASE_WORKER)
    StaticDevice.objects.filter(user=user).delete()  # a member who never set it up
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/accounts/sign-in/")
    page.get_by_test_id("lang-ur").click()
    page.wait_for_selector("html[lang=ur]")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_selector("[data-testid=enrol-form]")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("[data-testid=enrol-qr] svg").count() == 1
    key = page.get_by_test_id("enrol-key").inner_text().replace(" ", "")
    page.fill("#id_code", _code(key))
    page.get_by_test_id("confirm-authenticator").click()
    page.wait_for_selector("[data-testid=recovery-codes]")
    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_test_id("recovery-codes-done").click()
    page.wait_for_selector("[data-testid=home-title]")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto("/accounts/sign-in/")
    page.get_by_test_id("lang-en").click()
    page.wait_for_selector("html[lang=en]")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_selector("[data-testid=second-factor-form]")
    page.fill("#id_code", _code(key, steps=1))  # the current code was used at set-up
    page.get_by_test_id("verify").click()
    page.wait_for_selector("[data-testid=home-title]")
    assert page.console_errors == []
