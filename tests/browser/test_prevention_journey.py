"""JOURNEYS.md 6 in English and Urdu: the coordinator finds Bajaur flagged (no woman
reached); a grassroots women's group registers its digital-literacy initiative there and
records an activity; the analysis then shows women reached in Bajaur. The pages fit a
360 px phone without sideways scrolling."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.prevention import services
from bahali.testing import TEST_PASSWORD, OrganisationFactory, make_member, pass_second_step

pytestmark = pytest.mark.django_db(transaction=True)


def _bajaur() -> None:
    today = timezone.localdate()
    bjr = District.objects.get(code="BJR")
    population = services.define_indicator(
        actor=SYSTEM, code="population", name="Population", higher_is_need=True
    )
    services.define_indicator(actor=SYSTEM, code="returnees", name="Returnees", higher_is_need=True)
    services.set_district_value(
        actor=SYSTEM, district=bjr, indicator=population, year=2025, value=Decimal(1_290_000)
    )
    cso = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY, name="Aman Welfare")
    item = services.create_initiative(
        actor=SYSTEM,
        data=services.InitiativeData(
            name="Bajaur Youth Cricket",
            lead_organisation=cso,
            kind="sports_arts",
            districts=[bjr],
            starts_on=today - datetime.timedelta(days=100),
        ),
    )
    services.record_activity(
        actor=SYSTEM,
        initiative=item,
        held_on=today - datetime.timedelta(days=5),
        kind="session",
        channel="in_person",
        district=bjr,
        reach={"male_youth": 40},
    )


@pytest.mark.parametrize("language", ["en", "ur"])
def test_journey_6_gap_to_womens_initiative(page, live_server, language):
    _bajaur()
    coordinator = make_member(Role.PROGRAMME_MANAGER, districts=["BJR"])
    sahar = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY, name="Sahar Women's Forum")
    member = make_member(Role.MENTOR, organisation=sahar, districts=["BJR"])
    page.set_default_timeout(30_000)  # a loaded machine: the first page is slow
    page.set_viewport_size({"width": 360, "height": 800})

    def sign_in(user) -> None:  # type: ignore[no-untyped-def]
        page.goto("/accounts/sign-in/")
        if language != "en":
            page.get_by_test_id(f"lang-{language}").click()
            page.wait_for_selector(f"html[lang={language}]")
        page.fill("#id_username", user.username)
        page.fill("#id_password", TEST_PASSWORD)
        page.get_by_test_id("sign-in").click()
        pass_second_step(page, user.username)

    def fits() -> None:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"scrolls sideways by {overflow}px"

    sign_in(coordinator)
    page.goto("/prevention/gaps/")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ur" else "ltr")
    assert page.locator("[data-testid=gap-bar]").count() >= 1
    fits()
    page.set_viewport_size({"width": 1280, "height": 900})
    bajaur = page.locator("[data-testid=gap-row][data-district=BJR]")
    assert bajaur.count() == 1
    assert page.locator('[data-flag="women"]').count() == 1
    fits()
    page.context.clear_cookies()

    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(member)
    page.goto("/prevention/initiatives/new/")
    page.fill("#id_name", "Bajaur Digital Sisters")
    page.select_option("#id_kind", "digital_literacy")
    page.select_option("#id_districts", str(District.objects.get(code="BJR").pk))
    page.fill("#id_starts_on", (timezone.localdate() - datetime.timedelta(days=30)).isoformat())
    page.check("input[name=target_groups][value=women]")
    page.locator("[data-testid=initiative-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=initiative-name]")
    fits()
    form = page.get_by_test_id("activity-form")
    form.locator("#id_activity-held_on").fill(timezone.localdate().isoformat())
    form.locator("#id_activity-district").select_option(str(District.objects.get(code="BJR").pk))
    form.locator("#id_activity-female_youth").fill("18")
    form.locator("#id_activity-female_30_plus").fill("7")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=reach-table]")
    assert "25" in page.get_by_test_id("reach").inner_text()
    page.context.clear_cookies()

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(coordinator)
    page.goto("/prevention/gaps/?all=1")
    row = page.locator("[data-testid=gap-row][data-district=BJR]")
    assert "25" in row.inner_text()  # women reached in Bajaur, above zero
    assert page.locator('[data-flag="women"]').count() == 0
    fits()
    assert not page.console_errors


@pytest.mark.parametrize("language", ["en", "ur"])
def test_a_trust_survey_round_planned_answered_and_suppressed(page, live_server, language):
    """A grassroots group plans a survey round with the sample-size helper, enters one
    anonymous response on a phone; the round shows nothing under five respondents."""
    from bahali.assessments import services as assessments
    from bahali.geography import services as geography

    assessments.load_builtin_instruments(actor=SYSTEM)
    swat = District.objects.get(code="SWT")
    tehsil = geography.add_tehsil(actor=SYSTEM, district=swat, name="Matta")
    geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shawar")
    group = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY, name="Swat Youth Forum")
    member = make_member(Role.MENTOR, organisation=group, districts=["SWT"])
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 360, "height": 800})

    def fits() -> None:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"scrolls sideways by {overflow}px"

    page.goto("/accounts/sign-in/")
    if language != "en":
        page.get_by_test_id(f"lang-{language}").click()
        page.wait_for_selector(f"html[lang={language}]")
    page.fill("#id_username", member.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, member.username)

    page.goto("/prevention/surveys/new/")
    helper = page.get_by_test_id("sample-size-form")
    helper.locator("#id_confidence").select_option("95")
    helper.locator("#id_margin").fill("5")
    helper.locator("#id_population").fill("1000")
    helper.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=sample-result]")
    assert "278" in page.get_by_test_id("sample-result").inner_text()
    fits()
    form = page.get_by_test_id("survey-round-form")
    assert form.locator("#id_planned_sample").input_value() == "278"
    form.locator("#id_community").select_option(label="Shawar")
    form.locator("#id_instrument_version").select_option(index=1)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=survey-title]")
    fits()

    page.get_by_test_id("enter-response").click()
    page.wait_for_selector("[data-testid=survey-response-form]")
    for item in ("programme_fair", "programme_safe", "government_listens", "initiative_helps"):
        page.locator(f"label[for=i_{item}_agree]").click()
    for item in ("avoid_returnees", "no_work"):
        page.locator(f"label[for=i_{item}_disagree]").click()
    fits()
    page.get_by_test_id("save-response").click()
    page.wait_for_selector("[data-testid=results]")
    assert page.get_by_test_id("results").locator("[data-testid=suppressed]").count() == 1
    assert page.locator("[data-testid^=score-]").count() == 0
    fits()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/prevention/surveys/")
    assert page.get_by_test_id("survey-round").count() == 1
    fits()
    assert not page.console_errors
