"""Journey 1 in a browser: Sana registers a man the CSO already knows; no duplicate is made."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.core.context import SYSTEM
from bahali.core.demo import demo_password, load_demo
from bahali.registry.models import Participant

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    page.wait_for_selector("[data-testid=home-title]")


def test_sana_finds_the_existing_record_and_links_to_it(page):
    load_demo(actor=SYSTEM)
    # The man of journey 1: the first person the CSO registered in Shah Dheri (the demo's
    # cases came later).
    existing = (
        Participant.objects.filter(
            registered_by__name="Aman Welfare Society", home_community__name="Shah Dheri"
        )
        .order_by("pk")
        .first()
    )
    before = Participant.objects.count()
    _sign_in(page, "sana")
    page.get_by_test_id("nav-participants").click()
    page.get_by_test_id("register-participant").click()
    page.fill("#id_name", "Mohd Rehmatullah Khan s/o Gul Khan")
    page.fill("#id_birth_year", "2001")
    page.select_option("#id_sex", "m")
    page.get_by_test_id("check-and-register").click()
    page.wait_for_selector("[data-testid=candidate-table]")
    reasons = page.get_by_test_id(f"reasons-{existing.code}").inner_text()
    assert "same father's name" in reasons
    if os.environ.get("BAHALI_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / "registry-candidates-en.png"), full_page=True)
    page.get_by_test_id(f"same-{existing.code}").click()
    page.wait_for_selector("[data-testid=participant-code]")
    assert page.get_by_test_id("participant-code").inner_text() == existing.code
    assert "Roshan Rehabilitation Centre" in page.get_by_test_id("summary").inner_text()
    assert Participant.objects.count() == before
    page.get_by_test_id("show-identity").click()
    page.wait_for_selector("[data-testid=identity]")
    assert "Muhammad Rahmatullah Khan" in page.get_by_test_id("identity").inner_text()
    assert page.console_errors == []


def test_security_liaison_sees_the_code_but_never_the_identity(page):
    load_demo(actor=SYSTEM)
    _sign_in(page, "khalid")
    page.get_by_test_id("nav-participants").click()
    page.locator("[data-testid=participant-table] a").first.click()
    page.wait_for_selector("[data-testid=participant-code]")
    assert page.get_by_test_id("identity-closed").is_visible()
    assert page.get_by_test_id("show-identity").count() == 0
