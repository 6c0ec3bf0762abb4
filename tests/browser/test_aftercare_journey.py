"""Journey 4.2 in a browser: a mentor records warning signs at a check-in; the case worker's
home, the psychologist's My work and the case header show the alert, with the early
reassessment and the team's meeting; someone on the team acknowledges it once the team has
met, and it leaves the work lists."""

from __future__ import annotations

import pytest

from bahali.aftercare.models import CheckIn, warned
from bahali.core.demo import demo_password
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def test_a_warning_sign_alerts_the_team_until_it_has_met(page):
    demo()
    check_in = (
        CheckIn.objects.filter(
            done_on__isnull=True,
            case__closed_on__isnull=True,
            case__team__membership__user__username="yousaf",
            case__team__left_on__isnull=True,
        )
        .filter(case__team__membership__user__username="sana")
        .filter(case__team__membership__user__username="farah")
        .order_by("due_on", "pk")
        .first()
    )
    assert check_in is not None, "the demo has a check-in planned for Yousaf, Sana and Farah"
    case = check_in.case
    code = case.participant.code

    # Month 4: the mentor records lost job and renewed contact with old associates.
    _sign_in(page, "yousaf")
    page.goto(f"/cases/{case.pk}/aftercare/{check_in.pk}/record/")
    page.select_option("#id_method", index=1)
    page.select_option("#id_wellbeing", index=len(page.locator("#id_wellbeing option").all()) - 1)
    page.get_by_label("Lost job or income").check()
    page.get_by_label("Renewed contact with group members").check()
    page.fill("#id_follow_up", "Call Sana today; the team should meet this week.")
    page.get_by_test_id("check-in-form").get_by_role("button").click()
    page.wait_for_selector("[data-testid=check-ins]")

    # The case worker's home counts the alert and lists alerts first; her My work lists it;
    # the case header shows it too.
    _sign_in(page, "sana")
    waiting = CheckIn.objects.filter(
        warned(),
        warning_acknowledged_at__isnull=True,
        case__closed_on__isnull=True,
        case__team__membership__user__username="sana",
        case__team__left_on__isnull=True,
    ).count()
    assert page.get_by_test_id("work-count-warning").inner_text().endswith(f": {waiting}")
    first = page.get_by_test_id("work-card").locator("li.list-group-item").first
    assert "Warning signs at a check-in" in first.inner_text()
    page.goto("/cases/my-work/")
    assert page.get_by_test_id("work-warning").filter(has_text=code).count() == 1
    page.goto(f"/cases/{case.pk}/")
    alert = page.get_by_test_id(f"case-alert-warning-{check_in.pk}")
    assert "Lost job or income" in alert.inner_text()
    assert "reassessment" in alert.inner_text()

    # The psychologist's My work shows the warning and the early reassessment.
    _sign_in(page, "farah")
    page.goto("/cases/my-work/")
    warnings = page.get_by_test_id("work-warning").filter(has_text=code)
    assert warnings.count() == 1
    assert page.get_by_test_id("work-reassessment").filter(has_text=code).count() == 1

    # The team meets; the case worker acknowledges the warning.
    _sign_in(page, "sana")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id(f"case-alert-warning-{check_in.pk}").get_by_role("link").click()
    card = page.locator(f"#warning-{check_in.pk}")
    card.locator("textarea").fill("Met on Monday: livelihood referral, weekly mentor visits.")
    card.get_by_role("button", name="The team has met: acknowledge").click()
    page.wait_for_selector("[data-testid=check-ins]")
    assert page.locator(f"#warning-{check_in.pk}").count() == 0
    assert page.get_by_test_id(f"case-alert-warning-{check_in.pk}").count() == 0
    check_in.refresh_from_db()
    assert check_in.warning_acknowledged_by is not None
    assert check_in.warning_acknowledged_by.username == "sana"
    page.goto("/cases/my-work/")
    assert page.get_by_test_id("work-warning").filter(has_text=code).count() == 0


def test_back_then_submit_again_records_the_stipend_once(page, sign_in):
    """Journey 4: a stipend is recorded as support. Back, then submit again, recorded the
    same PKR 6,000 twice (issue 13, item 9); now the second submission is refused with a
    clear message and the case's support lists it once."""
    from bahali.casework.models import SupportItem
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    case = world.case("centre", phase="rehabilitation")
    page.set_default_timeout(30_000)  # a loaded machine; CI answers in a second
    sign_in(world.case_worker)
    page.goto(f"/cases/{case.pk}/support/")

    def fill() -> None:
        form = page.get_by_test_id("support-form")
        form.locator("#id_kind").select_option("stipend")
        form.locator("#id_amount").fill("6000")
        form.locator("#id_organisation").select_option(index=1)
        form.locator("#id_status").select_option("paid")

    fill()
    page.get_by_test_id("support-form").locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=support-item]")
    assert page.get_by_test_id("support-item").count() == 1
    page.go_back()  # the filled form again, as the browser kept it
    page.wait_for_selector("[data-testid=support-form]")
    if page.locator("#id_amount").input_value() != "6000":  # a browser that did not keep it
        fill()
    page.get_by_test_id("support-form").locator("button[type=submit]").click()
    message = page.get_by_test_id("message").first
    message.wait_for()
    assert "already sent; nothing was recorded twice" in message.inner_text()
    assert page.get_by_test_id("support-item").count() == 1
    assert SupportItem.objects.filter(case=case).count() == 1
    assert page.console_errors == []
