"""Journeys 1 and 3 in a browser: enrolment, and leaving the centre through a gate that
needs the receiving community's committee."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.accounts.models import User
from bahali.cases.models import Case, SignOff, TransitionRequest
from bahali.core.context import SYSTEM
from bahali.core.demo import demo_password
from bahali.registry.models import Participant
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _sign_in(page, username, language="en"):
    page.goto("/accounts/sign-in/")
    if language != "en":
        page.get_by_test_id(f"lang-{language}").click()
        page.wait_for_selector(f"html[lang={language}]")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def _shoot(page, name):
    if os.environ.get("BAHALI_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def test_committee_signs_and_the_case_leaves_the_centre(page):
    demo()
    pending = TransitionRequest.objects.get(
        status="pending", transition__to_phase__code="transition"
    )
    case = pending.case
    _sign_in(page, "rahim")
    page.get_by_test_id("nav-work").click()
    page.get_by_test_id("work-sign_off").first.locator("a").click()
    page.wait_for_selector("[data-testid=gate]")
    gate = page.get_by_test_id("gate-kinds").inner_text()
    assert "Community reintegration committee" in gate and "waiting" in gate
    # The committee sees the summary, never clinical notes or the full identity.
    assert page.get_by_test_id("case-code").inner_text() == case.participant.code
    _shoot(page, "case-gate-en")
    page.get_by_label("Approve").check()
    page.fill("#id_reason", "Jirga held with the victims' families; the village will receive him.")
    page.get_by_test_id("sign").click()
    page.wait_for_selector("[data-testid=case-phase]")
    assert page.get_by_test_id("case-phase").inner_text() == "Transition"
    assert page.get_by_test_id("gate").count() == 0
    assert "approved" in page.get_by_test_id("timeline").inner_text()
    case.refresh_from_db()
    assert case.phase.code == "transition"
    assert page.console_errors == []


def test_security_liaison_sees_phase_and_band_not_the_plan(page):
    demo()
    _sign_in(page, "khalid")
    page.get_by_test_id("nav-cases").click()
    page.locator("[data-testid=case-table] a").first.click()
    page.wait_for_selector("[data-testid=case-phase]")
    tabs = page.get_by_test_id("case-tabs").inner_text()
    assert "Overview" in tabs
    assert "Plan" not in tabs and "Notes" not in tabs
    assert page.get_by_test_id("request-form").count() == 0


def test_security_liaison_sees_no_team_and_no_reasons(page):
    """DESIGN.md §2: the liaison reads the case summary only. The psychologist's sign-off
    reason and the team's names stayed off the page before; now they do not show."""
    demo()
    khalid = User.objects.get(username="khalid")
    signed = (
        SignOff.objects.visible_to(khalid, "case_summary")
        .filter(reason__startswith="Psychosocial progress steady")
        .select_related("request__case", "signed_by")
        .first()
    )
    assert signed is not None
    case = signed.request.case
    names = [
        member.membership.user.get_full_name()
        for member in case.team.select_related("membership__user")
    ]
    _sign_in(page, "khalid")
    page.goto(f"/cases/{case.pk}/")
    page.wait_for_selector("[data-testid=case-phase]")
    text = page.locator("main").inner_text()
    assert "Psychosocial progress steady" not in text
    assert [name for name in [*names, signed.signed_by.get_full_name()] if name in text] == []
    assert page.get_by_test_id("case-team").count() == 0
    assert page.get_by_test_id("timeline-sign_off").count() == 0
    assert page.get_by_test_id("timeline-phase").count() >= 1
    assert page.console_errors == []


def test_sana_enrols_a_consenting_participant(page):
    demo()
    participant = Participant.objects.filter(
        registered_by__name="Roshan Rehabilitation Centre", cases__isnull=True
    ).first()
    assert participant is not None
    from bahali.registry import services as registry

    registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="participation",
        given_by="guardian" if participant.is_juvenile else "self",
        guardian_name="Fazal Rahim" if participant.is_juvenile else "",
        method="signed",
        given_on=participant.created_at.date(),
    )
    _sign_in(page, "sana")
    page.goto(f"/participants/{participant.code}/")
    page.get_by_test_id("enrol-link").click()
    page.select_option("#id_programme", label="Centre-based rehabilitation")
    page.select_option("#id_referral_source", "security_forces")
    page.get_by_test_id("enrol").click()
    page.wait_for_selector("[data-testid=case-phase]")
    assert page.get_by_test_id("case-phase").inner_text() == "Referred"
    assert "Sana Gul" in page.get_by_test_id("case-team").inner_text()
    assert Case.objects.filter(participant=participant).count() == 1


def test_the_case_page_in_urdu_mirrors(page):
    demo()
    _sign_in(page, "ayesha", language="ur")
    page.goto("/cases/")
    page.locator("[data-testid=case-table] a").first.click()
    page.wait_for_selector("[data-testid=case-phase]")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    _shoot(page, "case-ur")


def test_the_requester_cannot_approve_their_own_gate(page, sign_in):
    """Four eyes (issue 13, item 3): the psychologist asked intake → rehabilitation and
    then approved it as her centre's signer, and the case moved. Now the one who asks
    sees the gate waiting with no decision form; a colleague of another discipline signs."""
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    case = world.case("centre", phase="intake")
    page.set_default_timeout(30_000)  # a loaded machine; CI answers in a second
    sign_in(world.psychologist)
    page.goto(f"/cases/{case.pk}/")
    form = page.get_by_test_id("request-form")
    onward = case.programme.transitions.get(from_phase=case.phase, to_phase__code="rehabilitation")
    form.locator("#id_transition").select_option(str(onward.pk))
    form.locator("#id_reason").fill("Settled in; ready for the programme")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=gate]")
    assert page.get_by_test_id("sign-form").count() == 0
    assert page.get_by_test_id("case-phase").inner_text() == "Intake"
    page.context.clear_cookies()
    sign_in(world.scholar)
    page.goto(f"/cases/{case.pk}/")
    page.wait_for_selector("[data-testid=sign-form]")
    page.get_by_label("Approve").check()
    page.get_by_test_id("sign-form").locator("#id_reason").fill("He keeps to the programme")
    page.get_by_test_id("sign").click()
    page.wait_for_selector("[data-testid=case-phase]")
    case.refresh_from_db()
    assert TransitionRequest.objects.get(case=case).requested_by == world.psychologist
    assert SignOff.objects.filter(request__case=case, signed_by=world.psychologist).count() == 0
    assert page.console_errors == []


def test_dates_read_day_month_year_in_each_language(page):
    """Journey 7 (issue 13, item 6): pages showed US 12/05/2026 beside 5 Mar 2027 and ISO,
    and Pashto named the months in English. One format per language now: day, month
    name, year, the month in the page's own language (the date input keeps ISO)."""
    import re

    from bahali.formats.ps.formats import MONTHS as PASHTO_MONTHS
    from bahali.testing import TEST_PASSWORD, PathwayWorld

    world = PathwayWorld()
    case = world.case("centre", phase="rehabilitation")
    month = case.opened_on.month
    page.set_default_timeout(30_000)  # a loaded machine; CI answers in a second
    shown = {}
    for language in ("en", "ur", "ps"):
        page.context.clear_cookies()
        page.goto("/accounts/sign-in/")
        if language != "en":
            page.get_by_test_id(f"lang-{language}").click()
            page.wait_for_selector(f"html[lang={language}]")
        page.fill("#id_username", world.case_worker.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_test_id("sign-in").click()
        pass_second_step(page, world.case_worker.username)
        page.goto(f"/cases/{case.pk}/")
        shown[language] = page.get_by_test_id("case-enrolled").inner_text().strip()
    day, year = str(case.opened_on.day), str(case.opened_on.year)
    for language, text in shown.items():
        assert "/" not in text and not re.search(r"\d{4}-\d\d-\d\d", text), (language, text)
        assert text.startswith(day) and text.endswith(year), (language, text)
    assert re.fullmatch(rf"{day} [A-Z][a-z]{{2}} {year}", shown["en"]), shown
    for language in ("ur", "ps"):
        assert not re.search(r"[A-Za-z]", shown[language]), shown  # the month in its script
    assert PASHTO_MONTHS[month - 1] in shown["ps"], shown
    assert page.console_errors == []
