"""Every page fits the screen (issue 13, item 4; JOURNEYS.md 7): for every demo account, in
English, Urdu and Pashto, at a phone's 360 px and a laptop's 1280 px, nothing scrolls
sideways. Before, a programme manager's top menu pushed sign-out and the language switch
off a 1280 px screen (the page was 1,403 px wide), the sign-off queue's "Review" button sat
off a phone's screen in a sideways-scrolling table and the case page's tabs wrapped into
four rows.

One demo for the whole walk, one browser context per demo account of each role (the
second case worker and the mentor's second organisation add no page of their own); each
page is loaded once per language and measured at both widths (resizing re-lays it out).
The case's tabs share the case page's frame: each account walks them in one language, the
languages taking turns, so every tab is seen in every language and by every role while the
walk stays within a few minutes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bahali.core.demo import demo_password
from bahali.testing import pass_second_step
from tests.browser.snapshot import demo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.any_database]

WIDTHS = (360, 1280)
WIDE = (1366, 1440)  # the menu alone at the other common laptop widths
LANGUAGES = ("en", "ur", "ps")
FIXED = ("/", "/cases/my-work/", "/cases/", "/cases/sign-offs/", "/audit/")
# list page → the pattern of the first detail page to open from it
DETAILS = (
    ("/participants/", r"/participants/[A-Z]{3}-\d{2}-\d{5}-\d/"),
    ("/programmes/", r"/programmes/[\w-]+/"),
    ("/communities/", r"/communities/\d+/"),
)
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_test_id("sign-in").click()
    pass_second_step(page, username)


def _links(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")


def _pages_of(page: Any) -> tuple[list[str], list[str]]:
    """The pages this account reaches: the fixed ones it may open, its first case, and the
    first participant, programme and community it may read; then the case's other tabs."""
    urls, tabs = [], []
    for url in FIXED:
        if page.goto(url).status == 200:
            urls.append(url)
    page.goto("/cases/")
    cases = _links(page, "[data-testid=case-table] a")
    if cases:
        urls.append(cases[0])
        page.goto(cases[0])
        tabs = [url for url in _links(page, "[data-testid=case-tabs] a") if url != cases[0]]
    for listing, pattern in DETAILS:
        if page.goto(listing).status != 200:
            continue
        found = next((u for u in _links(page, "main a") if u and re.fullmatch(pattern, u)), None)
        if found:
            urls.append(found)
    return list(dict.fromkeys(urls)), tabs


def test_every_page_fits_phone_and_laptop_for_every_account(browser, live_server):
    by_role: dict[str, str] = {}
    for account in demo():
        by_role.setdefault(account.role, account.username)
    accounts = list(by_role.values())
    assert "rahim" in accounts and "ayesha" in accounts
    wide: list[str] = []
    opened: dict[str, int] = {}
    for turn, username in enumerate(accounts):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": WIDTHS[-1], "height": 800}
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        _sign_in(page, username)
        urls, tabs = _pages_of(page)
        opened[username] = len(urls) + len(tabs)
        for language in LANGUAGES:
            page.set_viewport_size({"width": WIDTHS[-1], "height": 800})
            page.goto("/")
            page.get_by_test_id(f"lang-{language}").click()
            page.wait_for_selector(f"html[lang={language}]")
            for width in WIDE:
                page.set_viewport_size({"width": width, "height": 800})
                if (extra := page.evaluate(OVERFLOW)) > 0:
                    wide.append(f"{username} {language} {width}px /: {extra}px too wide")
            for url in urls + (tabs if language == LANGUAGES[turn % len(LANGUAGES)] else []):
                page.goto(url)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 800})
                    if (extra := page.evaluate(OVERFLOW)) > 0:
                        wide.append(f"{username} {language} {width}px {url}: {extra}px too wide")
            if language == "en":
                # the menu folds on a phone, and sign-out stays reachable
                page.set_viewport_size({"width": WIDTHS[0], "height": 800})
                page.goto("/")
                assert page.get_by_test_id("lang-ur").is_visible()
                assert not page.get_by_test_id("nav-work").is_visible()
                page.get_by_test_id("user-menu").click()
                assert page.get_by_test_id("sign-out").is_visible()
        if username == "rahim":
            _review_on_a_phone(page)
        if username == "sana":
            _tabs_on_a_phone(page, tabs[-1])
        context.close()
    # the walk reached what it should: a case with its tabs for the case team
    assert opened["sana"] >= 15 and opened["ayesha"] >= 15, opened
    assert wide == [], "\n".join(wide)


def _review_on_a_phone(page: Any) -> None:
    """On a phone the sign-off queue is one card per request, its "Review" button on screen."""
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/cases/sign-offs/")
    review = page.get_by_test_id("open-request").first
    box = review.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    review.click()
    page.wait_for_selector("[data-testid=case-tabs]")


def _tabs_on_a_phone(page: Any, last_tab: str) -> None:
    """The case team's thirteen tabs are one row that scrolls in its own box, and the open
    tab, even the last, is scrolled into view."""
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(last_tab)
    tabs = page.get_by_test_id("case-tabs")
    rows = {round(box["y"]) for box in (t.bounding_box() for t in tabs.locator("a").all()) if box}
    assert len(rows) == 1, rows
    assert tabs.evaluate("el => el.scrollWidth > el.clientWidth")  # scrolls inside its box
    active = tabs.locator("a.active").bounding_box()
    assert active is not None and active["x"] >= 0 and active["x"] + active["width"] <= 360
