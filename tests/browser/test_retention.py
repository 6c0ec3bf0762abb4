"""Retention in a real browser (issue 14, item 5), in Urdu on a phone's width and in English on
a desktop's: the data steward sets a rule, sees what is due, holds one record from the list,
runs the rest through the worker, and lifts the hold."""

from __future__ import annotations

import datetime

import pytest

from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.registry import services as registry
from bahali.registry.models import Participant
from bahali.testing import TEST_PASSWORD, PathwayWorld, pass_second_step

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _sign_in(page, user, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/accounts/sign-in/")
    if lang != "en":
        page.get_by_test_id(f"lang-{lang}").click()
        page.wait_for_selector(f"html[lang={lang}]")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, user.username)


def _closed_long_ago(world: PathwayWorld) -> Case:
    case = world.case()
    cases.close_case(actor=SYSTEM, case=case, closure="exited", note="Moved away.")
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            closed_on=world.today - datetime.timedelta(days=12 * 366)
        )
    return case


@pytest.mark.parametrize(("lang", "width"), [("ur", 360), ("en", 1280)])
def test_the_steward_sets_a_rule_holds_one_record_and_anonymises_the_rest(page, lang, width):
    world = PathwayWorld()
    kept, gone = _closed_long_ago(world), _closed_long_ago(world)
    page.set_viewport_size({"width": width, "height": 800})
    _sign_in(page, world.steward, lang)

    page.goto("/retention/")
    code = world.programmes["centre"].code
    page.get_by_test_id(f"edit-rule-{code}").click()
    page.wait_for_selector("[data-testid=rule-form]")
    assert page.evaluate(OVERFLOW) <= 0
    page.fill("#id_identity_years", "10")
    page.fill("#id_notes_years", "5")
    page.get_by_test_id("save-rule").click()
    page.wait_for_selector(f"[data-testid=rule-{code}]")
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_test_id("tab-due").click()
    page.wait_for_selector(f"[data-testid=due-list] [data-testid=due-{gone.participant.code}]")
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_test_id(f"hold-{kept.participant.code}").click()
    page.wait_for_selector("[data-testid=hold-form]")
    page.fill("#id_reference", "ATC Swat 9/2026")
    page.fill("#id_reason", "Evidence in a pending trial.")
    page.get_by_test_id("place-hold").click()
    page.wait_for_selector("[data-testid=hold-standing]")
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_test_id("tab-due").click()
    page.wait_for_selector(f"[data-testid=held-list] [data-testid=due-{kept.participant.code}]")
    page.get_by_test_id("run-now").click()
    page.wait_for_url("**/jobs/**")
    assert registry.open_identity(Participant.objects.get(pk=gone.participant.pk)).name == ""
    assert registry.open_identity(Participant.objects.get(pk=kept.participant.pk)).name

    page.goto("/retention/holds/")
    page.fill("[data-testid^=lift-form-] textarea", "The trial is over.")
    page.get_by_test_id("lift-hold").click()
    page.wait_for_selector("[data-testid=hold-standing]", state="detached")
    assert page.console_errors == []
