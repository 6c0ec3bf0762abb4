"""The demo gives one participant a "who saw my data" list of several kinds."""

from __future__ import annotations

import pytest

from bahali.accounts.models import User
from bahali.cases.models import EmergencyAccess
from bahali.core.context import SYSTEM
from bahali.core.demo import load_demo
from bahali.disclosures.log import disclosures_of

pytestmark = pytest.mark.django_db


def test_the_demo_shows_several_kinds_of_disclosure_on_one_participant():
    load_demo(actor=SYSTEM)
    participant = EmergencyAccess.objects.select_related("case__participant").get().case.participant
    omar = User.objects.get(username="omar")
    kinds = {entry.kind for entry in disclosures_of(participant, omar)}
    assert {"identity_read", "referral", "partner_read", "emergency"} <= kinds
    load_demo(actor=SYSTEM)  # a second run adds nothing
    assert EmergencyAccess.objects.count() == 1
