"""Journey 1.3–1.4 in a browser (issue 13, items 7 and 10): consent for three purposes in one
submission, the case worker told who builds the team, and the programme manager adding the
psychologist without having to change the case role."""

from __future__ import annotations

import pytest

from bahali.accounts.models import Membership
from bahali.cases.models import Case, CaseRole
from bahali.core.demo import demo_password
from bahali.registry.models import Participant
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def test_consent_at_one_sitting_then_the_manager_builds_the_team(page):
    demo()
    participant = Participant.objects.filter(
        registered_by__name="Roshan Rehabilitation Centre", cases__isnull=True, is_juvenile=False
    ).first()
    assert participant is not None
    _sign_in(page, "sana")
    page.goto(f"/participants/{participant.code}/")
    page.get_by_test_id("consent-form").locator("xpath=..").locator("summary").click()
    form = page.get_by_test_id("consent-form")
    form.locator("input[name=purposes][value=participation]").check()
    form.locator("input[name=share_with][value=civil_society]").check()
    form.locator("input[name=share_with][value=community_committee]").check()
    form.locator("#id_method").select_option("signed")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Consent recorded for 3 purposes.")
    assert participant.consents.filter(withdrawn_on__isnull=True).count() == 3

    page.get_by_test_id("enrol-link").click()
    page.select_option("#id_programme", label="Centre-based rehabilitation")
    page.select_option("#id_referral_source", "security_forces")
    page.get_by_test_id("enrol").click()
    page.wait_for_selector("[data-testid=case-phase]")
    assert "The team is built by: Programme manager." in page.content()
    assert "Build the team next" not in page.content()
    case = Case.objects.get(participant=participant)

    page.context.clear_cookies()
    _sign_in(page, "ayesha")
    page.goto(f"/cases/{case.pk}/team/")
    farah = Membership.objects.get(user__username="farah")
    page.select_option("#id_membership", str(farah.pk))
    assert page.input_value("#id_case_role") == CaseRole.PSYCHOLOGIST
    page.get_by_test_id("team-form").locator("button[type=submit]").click()
    page.wait_for_selector("text=Added to the team.")
    assert case.team.get(membership=farah).case_role == CaseRole.PSYCHOLOGIST
    assert page.console_errors == []
