"""Each role's home page in a browser: its work first (counts and the oldest), then the few
figures that matter to the role; the permission table is on the profile. Screenshots of
every role's home in English and Urdu at 1280 and 360 px (docs/screenshots/ with
BAHALI_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.cases import services as cases
from bahali.core.context import SYSTEM
from bahali.core.demo import demo_password
from bahali.organisations.models import Organisation
from bahali.programmes.models import Programme
from bahali.registry import services as registry
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
OVERFLOW_IN_MAIN = """() => {
  const mine = "[data-testid=work-card] *, [data-testid^=figures-] *";
  const boxes = [...document.querySelectorAll(mine)].map(e => e.getBoundingClientRect());
  const right = Math.max(0, ...boxes.map(b => b.right)) - window.innerWidth;
  const left = -Math.min(0, ...boxes.map(b => b.left));
  return Math.ceil(Math.max(right, left));
}"""
ROLES = {
    "case-worker": "sana",
    "psychologist": "farah",
    "scholar": "idris",
    "trainer": "bilal",
    "mentor": "yousaf",
    "committee": "rahim",
    "manager": "ayesha",
    "liaison": "khalid",
    "oversight": "nadia",
    "steward": "omar",
    "analyst": "zainab",
}


def _sign_in(page, username, language="en"):
    page.context.clear_cookies()
    page.goto("/accounts/sign-in/")
    if language != "en":
        page.get_by_test_id(f"lang-{language}").click()
        page.wait_for_selector(f"html[lang={language}]")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def _new_case_with_a_one_person_team():
    from bahali.geography.models import District
    from bahali.registry.models import Consent, ConsentPurpose

    centre = Organisation.objects.get(name="Roshan Rehabilitation Centre")
    participant = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(name="Naveed Alam", father_name="Sher Alam", birth_year=2000),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=centre,
    )
    registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=participant.created_at.date(),
    )
    return cases.enrol_participant(
        actor=SYSTEM,
        participant=participant,
        programme=Programme.objects.get(model="centre", lead_organisation__kind="lead_agency"),
        referral_source="self",
        lead_organisation=centre,
    )


def test_each_roles_home_shows_its_work_then_its_figures(page):
    demo()
    new = _new_case_with_a_one_person_team()

    # The programme manager: a re-arrest report to verify and a new case without a team.
    _sign_in(page, "ayesha")
    work = page.get_by_test_id("work-card")
    assert "Nothing is waiting for you" not in work.inner_text()
    assert page.get_by_test_id("work-count-outcome_verification").count() == 1
    assert page.get_by_test_id("work-count-team").count() == 1
    assert page.get_by_test_id("access-card").count() == 0
    # the home shows the oldest few; the new case's team to build is in all of her work
    page.get_by_role("link", name="All my work").click()
    page.wait_for_selector("[data-testid=work-list]")
    assert new.participant.code in page.get_by_test_id("work-list").inner_text()
    page.goto("/")

    # The liaison: cases referred or in the districts, by phase and risk band.
    _sign_in(page, "khalid")
    assert page.get_by_test_id("figures-phase-risk").count() == 1
    assert page.get_by_test_id("phase-risk-row").count() >= 1
    assert page.get_by_test_id("access-card").count() == 0

    # Oversight: grievances past their limits, gate decisions, the audit chain.
    _sign_in(page, "nadia")
    for panel in ("figures-grievances", "figures-gates", "figures-audit"):
        assert page.get_by_test_id(panel).count() == 1, panel

    # The analyst: aggregate figures, small cells suppressed.
    _sign_in(page, "zainab")
    assert page.get_by_test_id("figures-caseload").count() == 1
    assert page.get_by_test_id("access-card").count() == 0

    # What each role may see and do is on the profile.
    page.goto("/accounts/profile/")
    assert page.get_by_test_id("access-card").count() == 1


@pytest.mark.any_database
@pytest.mark.parametrize("language", ["en", "ur"])
def test_home_screenshots_of_every_role(browser, live_server, language):
    demo()
    keep = os.environ.get("BAHALI_SCREENSHOTS") == "1"
    for width, suffix in ((1280, ""), (360, "-360")):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, locale=language
        )
        page = context.new_page()
        for role, username in ROLES.items():
            _sign_in(page, username, language)
            assert page.get_by_test_id("work-card").count() == 1, role
            # the work and the figures fit (the menu and the audit table are checked elsewhere)
            overflow = page.evaluate(OVERFLOW_IN_MAIN)
            assert overflow <= 0, f"{role} {language} {width}: content overflows by {overflow}px"
            if keep:
                page.screenshot(
                    path=str(DOCS / f"home-{role}-{language}{suffix}.png"), full_page=True
                )
        context.close()
