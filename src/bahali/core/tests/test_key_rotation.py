"""A key rotation on the full demo: every sealed value of every declared model re-sealed
under the new key and read back after the old key is retired; and no value in the demo's
tables is sealed in a column that is not declared.

The demo is loaded once per test session and copied in for the module (``demo_data``);
each test runs in a transaction of its own, rolled back.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import override_settings

from bahali.assessments.models import Assessment, AssessmentStatus
from bahali.core import crypto, sealing
from bahali.core.batches import in_batches

pytestmark = pytest.mark.django_db

NEW_KEY = {"k2": b"r" * 32}


@pytest.fixture
def demo(demo_data: Any) -> None:
    """The demo, loaded once per session (root ``conftest.py``: ``demo_data``)."""


def _opened() -> dict[tuple[str, int, str], str]:
    """Every non-empty sealed value of every declared model, opened."""
    values = {}
    for model in sealing.sealed_models():
        fields = list(model.sealed_fields)  # type: ignore[attr-defined]
        for row in in_batches(model._default_manager.all(), 500):
            for field in fields:
                if getattr(row, field):
                    values[model._meta.label_lower, row.pk, field] = sealing.open_field(row, field)
    return values


# Sealed models the demo holds no sealed value of yet: field devices, submissions and offline
# form keys (made from a phone or the offline page), imports (the demo sheet is for a
# newcomer to upload), advice-line callers (the demo's callers stay anonymous). Their
# rotation is the same generic code; give them demo rows and take them off this list.
WITHOUT_DEMO_ROWS = {
    "field.devicecredential",
    "field.draftkey",
    "field.submission",
    "imports.importbatch",
    "imports.importrow",
    "prevention.advicecontact",
}


def test_rotation_on_the_full_demo_then_retiring_the_old_key_loses_nothing(demo):
    old = crypto.active_key_id()
    before = _opened()
    # The demo holds sealed values in every declared model (so each is exercised here)
    # and completed assessments (re-sealing is not an edit: they take the new key too).
    assert {label for label, _pk, _field in before} == {
        model._meta.label_lower for model in sealing.sealed_models()
    } - WITHOUT_DEMO_ROWS
    completed = {
        row["pk"]: row
        for row in Assessment.objects.filter(status=AssessmentStatus.COMPLETED).values(
            "pk", "version", "updated_at"
        )
    }
    assert completed
    ring = {**settings.FIELD_ENCRYPTION_KEYS, **NEW_KEY}
    with override_settings(FIELD_ENCRYPTION_KEYS=ring, FIELD_ENCRYPTION_ACTIVE_KEY="k2"):
        out = io.StringIO()
        call_command("keys", "rotate", "--batch", "200", stdout=out)
        assert "Re-sealed" in out.getvalue() and "grievances.grievance" in out.getvalue()
        status = io.StringIO()
        call_command("keys", "status", stdout=status)
        assert f"{old}:" not in status.getvalue()
        assert status.getvalue().startswith(f"k2 (active): {len(before)} sealed values")
    with override_settings(FIELD_ENCRYPTION_KEYS=NEW_KEY, FIELD_ENCRYPTION_ACTIVE_KEY="k2"):
        assert _opened() == before  # the old key is gone: every value opens under the new
    assert {
        row["pk"]: row
        for row in Assessment.objects.filter(pk__in=completed).values("pk", "version", "updated_at")
    } == completed


TOKEN = re.compile(r"^(?P<kid>[A-Za-z0-9_-]+):[A-Za-z0-9_-]{38,}={0,2}$")


def test_no_value_in_the_demo_is_sealed_in_an_undeclared_column(demo):
    """Whatever the columns are called: every text column of every model, in the demo's
    data, holds a sealed-looking value only if it is declared."""
    found = []
    for model in apps.get_models():
        declared = getattr(model, "sealed_fields", {})
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and field.name not in declared
        ]
        if not columns:
            continue
        for row in in_batches(model._default_manager.values("pk", *columns), 2000):
            for column in columns:
                match = TOKEN.match(row[column] or "")
                if match and match["kid"] in settings.FIELD_ENCRYPTION_KEYS:
                    found.append(f"{model._meta.label_lower}.{column}")
    assert sorted(set(found)) == []
