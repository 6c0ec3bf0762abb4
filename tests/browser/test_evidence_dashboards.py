"""The oversight body's dashboard in the browser: each figure leads to its list and back,
and every chart downloads as a PNG drawn in the browser from the served SVG (static script:
the CSP allows no inline script) — twice the chart's size, its bars growing from the right
in Urdu as on the page.

With BAHALI_SCREENSHOTS=1 the screenshots of the evidence pages (English and Urdu, 1280
and 360 px) go to docs/screenshots/; otherwise to a temporary folder.
"""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bahali.core.demo import demo_password
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BAR = (0x1B, 0x6B, 0x5F)  # charts.BAR


def _open(browser: Any, live_server: Any, user: str, language: str, width: int = 1280) -> Any:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        locale=language,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    page.goto("/accounts/sign-in/")
    if language != "en":
        page.get_by_test_id(f"lang-{language}").click()
        page.wait_for_selector(f"html[lang={language}]")
    page.fill("#id_username", user)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, user)
    return page


def _png(page: Any, testid: str) -> Any:
    from PIL import Image

    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(data)).convert("RGB")


def _bar_extent(image: Any) -> tuple[float, float]:
    """Where the bars' colour lies across the picture: its first and last column, as
    shares of the width (the bars start after the labels: on the left in English, on the
    right in Urdu)."""
    width, height = image.size
    pixels = image.load()
    columns = [x for x in range(width) for y in range(0, height, 2) if pixels[x, y] == BAR]
    assert columns, "no bar drawn"
    return min(columns) / width, max(columns) / width


def test_oversight_dashboard_drills_down_and_charts_download_as_png(browser, live_server):
    demo()
    start = (timezone.localdate() - datetime.timedelta(days=3 * 365)).isoformat()
    page = _open(browser, live_server, "nadia", "en")
    page.get_by_test_id("nav-oversight-dashboard").first.click()
    page.wait_for_url(lambda url: "/evidence/oversight/dashboard/" in url)
    page.fill("#id_start", start)
    page.get_by_test_id("oversight-dashboard-filters").get_by_role("button").first.click()
    page.wait_for_url(lambda url: "start=" in url)
    decisions = int(page.get_by_test_id("tile-gates-count").inner_text())
    assert decisions > 10  # three years of gate decisions
    page.get_by_test_id("drill-gates").click()
    page.wait_for_url(lambda url: "/evidence/oversight/dashboard/gates/" in url)
    assert "start=" in page.url  # the dashboard's filters carried to the list
    rows = page.get_by_test_id("row")
    assert rows.count() == min(decisions, 50)
    assert rows.first.locator("a.bahali-mono").count() == 1  # the case's pseudonymous code
    page.get_by_test_id("back-to-dashboard").click()
    page.wait_for_url(lambda url: "/evidence/oversight/dashboard/?" in url)
    page.get_by_test_id("drill-audit").click()
    page.wait_for_url(lambda url: "/dashboard/audit/" in url)
    assert page.get_by_test_id("row").count() >= 1  # the demo's verification

    page.goto(f"/evidence/oversight/dashboard/?start={start}")
    image = _png(page, "civilian-share-png")
    assert image.size == (960, 420)  # the SVG's 480 × 210, twice
    juveniles = _png(page, "juveniles-png")
    first, _last = _bar_extent(juveniles)
    assert first > 0.4  # the labels on the left, the bars growing rightwards after them
    assert page.console_errors == []
    page.context.close()

    page = _open(browser, live_server, "nadia", "ur")
    page.goto(f"/evidence/oversight/dashboard/?start={start}")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    juveniles = _png(page, "juveniles-png")
    _first, last = _bar_extent(juveniles)
    assert last < 0.6  # in Urdu the labels on the right, the bars growing leftwards
    assert page.console_errors == []
    page.context.close()

    page = _open(browser, live_server, "ayesha", "en")
    page.goto("/evidence/recidivism/")
    image = _png(page, "download-png")
    assert image.size == (1280, 680)  # the survival chart's 640 × 340, twice
    page.goto("/evidence/dashboard/")
    assert _png(page, "funnel-png").size[0] == 960
    page.context.close()


SHOTS = [
    ("ayesha", "/evidence/dashboard/", "evidence-dashboard"),
    ("ayesha", "/evidence/recidivism/?group=cohort", "evidence-recidivism"),
    ("nadia", "/evidence/oversight/", "evidence-oversight"),
    ("nadia", "/evidence/oversight/dashboard/", "evidence-oversight-dashboard"),
    ("nadia", "/evidence/oversight/dashboard/gates/", "evidence-oversight-gates"),
    ("zainab", "/evidence/figures/", "evidence-figures"),
]


@pytest.fixture
def out_dir(tmp_path):
    if os.environ.get("BAHALI_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


# the pages that keep their figures a few minutes and say as of when (``evidence.snapshots``)
AS_OF = {"evidence-dashboard", "evidence-recidivism", "evidence-oversight"}


@pytest.mark.any_database
def test_the_evidence_pages_fit_a_phone_and_mirror_in_urdu(browser, live_server, out_dir, settings):
    # figures kept as in production, so the pages show (and the screenshots) their age
    settings.EVIDENCE_FIGURES_MAX_AGE = 300
    demo()
    for language in ("en", "ur"):
        for width in (1280, 360):
            pages: dict[str, Any] = {}
            for user, path, name in SHOTS:
                if user not in pages:
                    pages[user] = _open(browser, live_server, user, language, width)
                page = pages[user]
                page.goto(path)
                page.evaluate("document.fonts.ready.then(() => true)")
                assert page.evaluate("document.documentElement.dir") == (
                    "ltr" if language == "en" else "rtl"
                )
                if name in AS_OF:
                    assert page.get_by_test_id("figures-as-of").is_visible(), path
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{path} {language} {width}: sideways by {overflow}px"
                target = out_dir / f"{name}-{language}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                assert target.stat().st_size > 10_000
            for page in pages.values():
                assert page.console_errors == []
                page.context.close()
