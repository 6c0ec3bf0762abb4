"""The demo: a rule on every programme, a non-empty dry run with one record kept by a legal
hold; and at the demo's scale (every app's rows), anonymising everything the rules would take
twenty years from now leaves every indicator as it was."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from bahali.core.context import SYSTEM
from bahali.programmes.models import Programme
from bahali.registry import services as registry
from bahali.registry.models import Participant
from bahali.retention import services
from bahali.retention.models import RetentionRule
from bahali.retention.tests.test_anonymisation import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_data: Any) -> None:
    """The demo, loaded once per session (root ``conftest.py``: ``demo_data``)."""


def test_the_demo_has_rules_and_a_dry_run_to_show(demo):
    assert RetentionRule.objects.count() == Programme.objects.count() > 0
    items = services.due()
    assert [item.held for item in items].count(False) >= 1
    assert [item.held for item in items].count(True) == 1


def test_anonymising_the_whole_demo_leaves_every_indicator_as_it_was(demo):
    before = figures()
    later = timezone.localdate() + datetime.timedelta(days=20 * 366)
    report = services.run_due(actor=SYSTEM, today=later)
    assert len(report.done) >= 3  # the closed cases, and the withdrawal
    assert figures() == before
    for item in report.done:
        identity = registry.open_identity(Participant.objects.get(pk=item.participant.pk))
        assert identity == registry.Identity()
