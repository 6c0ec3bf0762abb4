"""The participant's "who saw my data" panel in English and Urdu, on a desktop (1280 px)
and a phone (360 px): it lists the demo's identity reads, referral, partner read and
emergency access, fits the phone's width and mirrors in Urdu.

With BAHALI_SCREENSHOTS=1 the panel's screenshots go to docs/screenshots/ (who-saw-*.png);
otherwise to a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.cases.models import EmergencyAccess
from bahali.core.demo import demo_password
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def out_dir(tmp_path):
    if os.environ.get("BAHALI_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def test_who_saw_panel_in_english_and_urdu(browser, live_server, out_dir):
    demo()
    code = EmergencyAccess.objects.select_related("case__participant").get().case.participant.code
    for language in ("en", "ur"):
        for name, width in (("desktop", 1280), ("phone", 360)):
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": width, "height": 900}, locale=language
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
            page.goto(f"/participants/{code}/")
            panel = page.get_by_test_id("who-saw-panel")
            panel.wait_for()
            kinds = page.eval_on_selector_all(
                "[data-testid=who-saw-panel] [data-testid=disclosure]",
                "items => items.map(item => item.dataset.kind)",
            )
            assert {"identity_read", "referral", "partner_read", "emergency"} <= set(kinds)
            assert page.evaluate("document.documentElement.dir") == (
                "ltr" if language == "en" else "rtl"
            )
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{language} {name}: page scrolls sideways by {overflow}px"
            path = out_dir / f"who-saw-{language}-{name}.png"
            panel.screenshot(path=str(path))
            assert path.stat().st_size > 10_000
            context.close()
