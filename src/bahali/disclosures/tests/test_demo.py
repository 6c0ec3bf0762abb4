"""The demo gives one participant a "who saw my data" list of several kinds."""

from __future__ import annotations

import pytest

from bahali.accounts.models import User
from bahali.cases.models import EmergencyAccess
from bahali.core.context import SYSTEM
from bahali.core.demo import load_demo
from bahali.disclosures.log import disclosures_of

pytestmark = pytest.mark.django_db


def test_the_demo_shows_several_kinds_of_disclosure_on_one_participant(demo_data):
    # the demo, loaded once per session (root conftest.py)
    # other demo loaders open emergency accesses of their own: one of them is this one's
    omar = User.objects.get(username="omar")
    shown = [
        {entry.kind for entry in disclosures_of(access.case.participant, omar)}
        for access in EmergencyAccess.objects.select_related("case__participant")
    ]
    assert any(
        {"identity_read", "referral", "partner_read", "emergency"} <= kinds for kinds in shown
    )
    accesses = EmergencyAccess.objects.count()
    load_demo(actor=SYSTEM)  # a second run adds nothing
    assert EmergencyAccess.objects.count() == accesses
