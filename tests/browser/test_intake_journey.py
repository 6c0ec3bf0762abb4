"""Journey 1 through intake in a browser: a referral arrives for a man the CSO already
registered; the duplicate check finds him; the referral is screened against the programme's
published criteria and found eligible; consent and pledge are recorded; the case opens from
the referral."""

from __future__ import annotations

import pytest

from bahali.cases.models import Case
from bahali.core.context import SYSTEM
from bahali.intake import services as intake
from bahali.intake.models import Referral, ReferralStatus
from bahali.registry.models import Participant
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db(transaction=True)


def test_referral_screening_and_enrolment(page, sign_in):
    world = PathwayWorld()
    centre = world.programmes["centre"]
    intake.publish_criteria(
        actor=SYSTEM,
        programme=centre,
        min_age=18,
        max_age=35,
        involvement_levels=["sympathiser", "supporter", "member"],
        accountability=["no_pending_charge", "diverted_by_court"],
        residence=[world.swat],
    )
    known = world.registry.register_participant(
        actor=SYSTEM,
        identity=world.registry.Identity(
            name="Muhammad Rahmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
        sex="m",
        district=world.swat,
        organisation=world.cso,
    )
    world.registry.record_consent(  # centres may receive his record: the check shows him
        actor=SYSTEM,
        participant=known,
        purpose="sharing",
        share_with="rehabilitation_centre",
        given_by="self",
        method="signed",
        given_on=world.today,
    )
    before = Participant.objects.count()
    sign_in(world.case_worker)
    # 1–2. Register: the duplicate check finds the CSO's record; "same person".
    page.goto("/participants/register/")
    page.fill("#id_name", "Mohd Rehmatullah Khan s/o Gul Khan")
    page.fill("#id_birth_year", "2001")
    page.select_option("#id_sex", "m")
    page.select_option("#id_district", str(world.swat.pk))
    page.get_by_test_id("check-and-register").click()
    page.wait_for_selector("[data-testid=candidate-table]")
    page.get_by_test_id(f"same-{known.code}").click()
    page.wait_for_selector("[data-testid=participant-code]")
    assert Participant.objects.count() == before
    # The referral, from the participant's page.
    page.get_by_test_id("new-referral").click()
    page.select_option("#id_source", "security_forces")
    page.fill("#id_referrer", "District Security Liaison Office Swat")
    page.fill("#id_from_place", "Matta tehsil")
    page.select_option("#id_programme", str(centre.pk))
    page.get_by_test_id("save-referral").click()
    page.wait_for_selector("[data-testid=screen-link]")
    referral = Referral.objects.get(participant=known)
    # 3. Screening on the referral, with the criteria beside the form.
    page.get_by_test_id("screen-link").click()
    criteria_text = page.get_by_test_id("criteria-list").inner_text()
    assert "18–35" in criteria_text
    page.fill("#id_age", "24")
    page.select_option("#id_involvement", "member")
    page.select_option("#id_accountability", "no_pending_charge")
    page.select_option("#id_voluntary", "yes")
    page.select_option("#id_outcome", "eligible")
    page.fill("#id_grounds", "Came voluntarily, understands the programme; no exclusion applies.")
    page.get_by_test_id("record-screening").click()
    page.wait_for_selector("[data-testid=eligible-for]")
    assert "Eligible" in page.get_by_test_id("referral-status").inner_text()
    # Enrolment is refused until consent and pledge are on file.
    page.get_by_test_id("enrol-from-referral").locator("button[type=submit]").click()
    page.wait_for_selector("text=consent to participate must be recorded")
    # Consent and pledge, on the participant's page.
    page.goto(f"/participants/{known.code}/")
    page.get_by_test_id("consent-form").locator("xpath=..").locator("summary").click()
    form = page.get_by_test_id("consent-form")
    form.locator("input[name=purposes][value=participation]").check()
    form.locator("#id_method").select_option("signed")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Consent recorded")
    world.registry.record_pledge(
        actor=SYSTEM, participant=known, pledged_on=world.today, witnesses="Maulana Idris"
    )
    # 4. Enrolment from the referral.
    page.goto(f"/intake/{referral.pk}/")
    page.get_by_test_id("enrol-from-referral").locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=case-phase]")
    case = Case.objects.get(participant=known)
    referral.refresh_from_db()
    assert referral.case == case and referral.status == ReferralStatus.ENROLLED
    assert page.console_errors == []
