"""Screenshots of the home page in English and Urdu, desktop and phone.

With BAHALI_SCREENSHOTS=1 (``make screenshots``) they are written to docs/screenshots/;
otherwise to a temporary folder. Either way the test checks that the page fits the phone's
width (nothing scrolls sideways) and mirrors in Urdu.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.core.demo import demo_password
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.any_database]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def out_dir(tmp_path):
    if os.environ.get("BAHALI_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.mark.parametrize("language", ["en", "ur", "ps"])
def test_home_page_screenshots(browser, live_server, out_dir, language):
    demo()
    for name, viewport in [("desktop", (1280, 900)), ("phone", (390, 844))]:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": viewport[0], "height": viewport[1]},
            locale=language,
        )
        page = context.new_page()
        page.goto("/accounts/sign-in/")
        if language != "en":
            page.get_by_test_id(f"lang-{language}").click()
            page.wait_for_selector(f"html[lang={language}]")
        page.fill("#id_username", "omar")
        page.fill("#id_password", demo_password())
        page.get_by_test_id("sign-in").click()
        pass_second_step(page, "omar")
        direction = page.evaluate("document.documentElement.dir")
        assert direction == ("ltr" if language == "en" else "rtl")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{language} {name}: page scrolls sideways by {overflow}px"
        path = out_dir / f"home-{language}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        context.close()


def test_case_page_and_queue_on_a_phone(browser, live_server, out_dir):
    """The case page on a phone in English and Urdu: its tabs one scrolling row, and the
    sign-off queue as cards with the Review button on screen (issue 13, item 4)."""
    demo()
    for language in ("en", "ur"):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 360, "height": 780}, locale=language
        )
        page = context.new_page()
        page.goto("/accounts/sign-in/")
        if language != "en":
            page.get_by_test_id(f"lang-{language}").click()
            page.wait_for_selector(f"html[lang={language}]")
        page.fill("#id_username", "rahim")
        page.fill("#id_password", demo_password())
        page.get_by_test_id("sign-in").click()
        pass_second_step(page, "rahim")
        page.goto("/cases/sign-offs/")
        page.wait_for_selector("[data-testid=open-request]")
        page.screenshot(path=str(out_dir / f"queue-{language}-phone.png"), full_page=True)
        page.get_by_test_id("open-request").first.click()
        page.wait_for_selector("[data-testid=case-tabs]")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{language}: the case page scrolls sideways by {overflow}px"
        path = out_dir / f"case-{language}-phone.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        context.close()
