"""Journey 1 in a browser: Sana registers a man the CSO already knows; no duplicate is made."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.core.context import SYSTEM
from bahali.core.demo import demo_password
from bahali.registry.models import Participant
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def test_sana_finds_the_existing_record_and_links_to_it(page):
    demo()
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
    demo()
    _sign_in(page, "khalid")
    page.get_by_test_id("nav-participants").click()
    page.locator("[data-testid=participant-table] a").first.click()
    page.wait_for_selector("[data-testid=participant-code]")
    assert page.get_by_test_id("identity-closed").is_visible()
    assert page.get_by_test_id("show-identity").count() == 0


def test_the_likely_match_is_the_natural_action_and_a_future_year_is_refused(page, sign_in):
    """Journey 1.2 (issue 13, item 8): the filled button was "None of these: register a new
    person", the weaker candidate (born 1999) never appeared, and 2031 passed as a year of
    birth. Now the likely match's "Same person" is the primary action, the weaker one waits
    in a collapsed "less likely" group, and a future birth year is refused."""
    from bahali.accounts.roles import Role
    from bahali.geography.models import District
    from bahali.organisations.models import OrganisationKind
    from bahali.registry import services
    from bahali.testing import OrganisationFactory, make_member

    aman = OrganisationFactory(name="Aman Welfare Society", kind=OrganisationKind.CIVIL_SOCIETY)
    swat = District.objects.get(code="SWT")

    def register(name: str, father: str, year: int) -> Participant:
        identity = services.Identity(name=name, father_name=father, birth_year=year)
        participant = services.register_participant(
            actor=SYSTEM, identity=identity, sex="m", district=swat, organisation=aman
        )
        # consent to sharing with centres: the duplicate check may show them to the centre
        services.record_consent(
            actor=SYSTEM,
            participant=participant,
            purpose="sharing",
            share_with=OrganisationKind.REHABILITATION_CENTRE,
            given_by="self",
            method="signed",
            given_on=participant.created_at.date(),
        )
        return participant

    likely = register("Muhammad Rahmatullah Khan", "Gul Khan", 2001)
    unlikely = register("Rahmatullah", "Noor Khan", 1999)
    centre = OrganisationFactory(name="Roshan Centre", kind=OrganisationKind.REHABILITATION_CENTRE)
    page.set_default_timeout(30_000)  # a loaded machine; CI answers in a second
    sign_in(make_member(Role.CASE_WORKER, organisation=centre))
    page.goto("/participants/register/")
    page.fill("#id_name", "Mohd Rehmatullah Khan s/o Gul Khan")
    page.fill("#id_birth_year", "2031")
    page.select_option("#id_sex", "m")
    page.select_option("#id_district", str(swat.pk))
    page.get_by_test_id("check-and-register").click()
    page.get_by_test_id("error-birth_year").wait_for()
    assert page.get_by_test_id("candidate-table").count() == 0
    page.fill("#id_birth_year", "2001")
    page.get_by_test_id("check-and-register").click()
    page.wait_for_selector("[data-testid=candidate-table]")
    same = page.get_by_test_id(f"same-{likely.code}")
    assert "btn-primary" in same.get_attribute("class").split()
    assert "btn-primary" not in page.get_by_test_id("different-person").get_attribute("class")
    group = page.get_by_test_id("less-likely")
    assert group.get_attribute("open") is None  # collapsed
    assert not page.get_by_test_id(f"same-{unlikely.code}").is_visible()
    group.locator("summary").click()
    assert page.get_by_test_id(f"same-{unlikely.code}").is_visible()
    same.click()
    page.wait_for_selector("[data-testid=participant-code]")
    assert page.get_by_test_id("participant-code").inner_text() == likely.code
    assert Participant.objects.count() == 2
    # the refused year answered 400 (the form with its error), which the console notes
    assert [e for e in page.console_errors if "status of 400" not in e] == []
