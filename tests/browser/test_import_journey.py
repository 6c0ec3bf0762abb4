"""A data steward imports the demo sheet, reviews its clusters with the keyboard, merges two,
and the import's audit operation shows it all (issue 20)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bahali.accounts.roles import Role
from bahali.imports.models import ImportBatch, ReviewCluster
from bahali.registry.models import Merge, Participant
from bahali.testing import make_member

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "screenshots"
SHEET = ROOT / "src" / "bahali" / "imports" / "static" / "imports" / "demo-bright-path.csv"


def shot(page, name):
    if os.environ.get("BAHALI_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=True)


def test_a_steward_imports_the_demo_sheet_and_merges_with_the_keyboard(page, sign_in):
    steward = make_member(Role.DATA_STEWARD)
    page.set_default_timeout(60_000)  # the first pages of a cold live server on a busy machine
    sign_in(steward)
    page.goto("/imports/")
    page.set_input_files("#id_sheet", str(SHEET))
    page.get_by_test_id("upload").click()
    page.wait_for_selector("[data-testid=mapping-form]")
    assert page.input_value("#id_name_native") == "Urdu Name"  # recognised by its heading
    shot(page, "import-mapping-en.png")
    page.get_by_test_id("check-rows").click()
    page.wait_for_selector("[data-testid=refused-rows]")
    assert "Give the sex as M or F." in page.get_by_test_id("refused-rows").inner_text()
    assert page.locator("[data-testid=cluster]").count() >= 2
    shot(page, "import-report-en.png")
    page.check("#id_only_valid")
    page.get_by_test_id("run-import").click()
    page.wait_for_selector("[data-testid=undo-form]")
    assert Participant.objects.count() == 9
    page.goto("/imports/review/")
    page.wait_for_selector("[data-testid=queue-table]")
    shot(page, "import-review-queue-en.png")
    waiting = ReviewCluster.objects.filter(status="open").count()
    assert waiting >= 2
    page.get_by_test_id("start-review").click()
    page.wait_for_selector("[data-testid=decide-form]")
    assert page.locator("[data-testid=differs]").count() >= 1
    first = page.url
    page.wait_for_selector("[data-keys-ready]", state="attached")  # the keys are listened to
    page.keyboard.press("s")  # same person: merged
    page.wait_for_url(lambda url: url != first)  # no page script: CSP forbids eval
    assert Merge.objects.count() == 1
    page.wait_for_selector("[data-testid=decide-form]")
    second = page.url
    page.wait_for_selector("[data-keys-ready]", state="attached")
    page.keyboard.press("d")  # different people: remembered
    page.wait_for_url(lambda url: url != second)
    assert ReviewCluster.objects.filter(status="open").count() == waiting - 2
    # the brothers of the sheet are never queued as one person
    brothers = {
        row.participant_id for row in ImportBatch.objects.get().rows.filter(number__in=(3, 5))
    }
    for review in ReviewCluster.objects.all():
        assert not brothers <= set(review.members)
    batch = ImportBatch.objects.get()
    page.goto(f"/audit/?operation={batch.operation_id}")
    trail = page.locator("main").inner_text()
    assert "participant" in trail.lower() and "merge" in trail.lower()
    assert page.console_errors == []
