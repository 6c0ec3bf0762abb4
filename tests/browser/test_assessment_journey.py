"""Assessments in a browser: a needs assessment filled in on a phone, skip logic following
the answers live, a draft saved and resumed, completed, and its proposed goals accepted
into the plan; then the chart of change on a case with successive progress assessments."""

from __future__ import annotations

import pytest

from bahali.assessments.models import Assessment
from bahali.cases.models import Case
from bahali.core.demo import demo_password
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, username):
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def test_a_needs_assessment_on_a_phone_proposes_goals(page):
    demo()
    case = (
        Case.objects.filter(
            closed_on__isnull=True, team__membership__user__username="sana", phase__is_entry=False
        )
        .order_by("pk")
        .first()
    )
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, "sana")
    page.goto(f"/cases/{case.pk}/assessments/")
    page.select_option("#id_instrument", label="Needs")
    page.get_by_test_id("start-form").get_by_role("button").click()
    page.wait_for_selector("[data-testid=fill-form]")
    details = page.get_by_test_id("item-vocational_details")
    assert details.is_hidden()
    page.get_by_test_id("item-vocational").get_by_label("Urgent need").check()
    details.wait_for(state="visible")  # skip logic follows the answer without saving
    page.fill("#i_vocational_details", "Wants to learn to repair motorbikes.")
    page.get_by_test_id("save-draft").click()
    page.wait_for_selector("[data-testid=fill-form]")
    assert page.input_value("#i_vocational_details") == "Wants to learn to repair motorbikes."
    page.get_by_test_id("complete").click()
    page.wait_for_selector("[data-testid=error-health]")  # required items point at the item
    for name in ("psychosocial", "health", "education", "livelihood", "family", "housing",
                 "legal_documents", "religious_guidance", "safety"):  # fmt: skip
        page.get_by_test_id(f"item-{name}").get_by_label("No need").check()
    page.get_by_test_id("complete").click()
    page.wait_for_selector("[data-testid=proposed-goals]")
    assert page.get_by_test_id("proposal").count() == 1
    page.fill("#title_0", "Repair motorbikes at his uncle's workshop")
    page.get_by_test_id("accept-goals").click()
    page.wait_for_selector("[data-testid=plan-goals]")
    assert (
        "Repair motorbikes at his uncle's workshop"
        in page.get_by_test_id("plan-goals").inner_text()
    )
    assert Assessment.objects.filter(case=case, status="completed").exists()
    assert page.console_errors == []


def test_the_chart_shows_change_and_two_assessments_compare(page):
    demo()
    progress = Assessment.objects.filter(
        instrument_version__instrument__code="progress",
        case__team__membership__user__username="farah",
    )
    case = Case.objects.filter(pk__in=progress.values("case")).order_by("pk").first()
    _sign_in(page, "farah")
    page.goto(f"/cases/{case.pk}/assessments/")
    chart = page.get_by_test_id("domain-chart")
    assert chart.is_visible()
    assert page.get_by_test_id("chart-point").count() >= 2 * 6
    page.get_by_test_id("compare-form").get_by_role("button").click()
    page.wait_for_selector("[data-testid=comparison]")
    assert page.get_by_test_id("changed").count() >= 1
    assert page.console_errors == []
