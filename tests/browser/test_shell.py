"""The page shell in a real browser: sign-in, role navigation, language and right-to-left."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.testing import make_member

pytestmark = pytest.mark.django_db(transaction=True)

NAV = {"nav-home", "nav-orgs", "nav-members", "nav-audit"}
EXPECTED_NAV = {
    Role.CASE_WORKER: {"nav-home", "nav-orgs"},
    Role.DATA_STEWARD: {"nav-home", "nav-orgs", "nav-members", "nav-audit"},
    Role.OVERSIGHT_MONITOR: {"nav-home", "nav-orgs", "nav-audit"},
    Role.ANALYST: {"nav-home", "nav-orgs"},
}


@pytest.mark.parametrize("role", list(EXPECTED_NAV), ids=str)
def test_each_role_sees_only_its_navigation(page, sign_in, role):
    sign_in(make_member(role))
    shown = {
        testid
        for testid in NAV
        if page.get_by_test_id(testid).count() and page.get_by_test_id(testid).is_visible()
    }
    assert shown == EXPECTED_NAV[role]
    assert page.console_errors == []


def test_urdu_mirrors_the_layout(page, sign_in):
    sign_in(make_member(Role.DATA_STEWARD))
    page.get_by_test_id("lang-ur").click()
    page.wait_for_selector("html[dir=rtl][lang=ur]")
    assert page.get_by_test_id("nav-orgs").inner_text().strip() == "ادارے"
    title_box = page.get_by_test_id("home-title").bounding_box()
    assert title_box["x"] + title_box["width"] > 1000  # the heading starts on the right
    page.get_by_test_id("lang-en").click()
    page.wait_for_selector("html[dir=ltr][lang=en]")


def test_wrong_password_shows_a_clear_message(page):
    user = make_member(Role.CASE_WORKER)
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not it")
    page.get_by_test_id("sign-in").click()
    assert "not correct" in page.get_by_test_id("form-errors").inner_text()


def test_api_token_is_created_and_revoked_in_place(page, sign_in):
    sign_in(make_member(Role.PSYCHOLOGIST))
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("nav-profile").click()
    page.fill("#id_name", "field tablet")
    page.get_by_test_id("create-token").click()
    secret = page.get_by_test_id("new-token-secret").inner_text()
    assert secret.startswith("bhl_")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("revoke-token").click()
    page.wait_for_selector("text=revoked")
    assert page.get_by_test_id("new-token-secret").count() == 0
    assert page.console_errors == []
