"""No lost update on a participant's identity: two corrections from the same version at
once, exactly one saved."""

from __future__ import annotations

import pytest

from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.registry import services
from bahali.registry.models import Participant
from bahali.registry.tests.test_registry import _register
from bahali.testing import race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_two_identity_corrections_from_one_version_one_wins():
    participant = _register()

    def correct(name):
        return lambda: services.update_identity(
            actor=SYSTEM,
            participant=Participant.objects.get(pk=participant.pk),
            identity=services.Identity(name=name, father_name="Gul Khan", birth_year=2001),
            expected_version=participant.version,
        )

    outcomes = race(correct("Muhammad Rahmatullah"), correct("Rahmatullah Khan"))
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Stale]
    saved = Participant.objects.get(pk=participant.pk)
    assert services.open_identity(saved).name == services.open_identity(winners(outcomes)[0]).name
    assert saved.version == participant.version + 1
