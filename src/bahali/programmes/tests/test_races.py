"""No lost update on a programme's configuration: two edits from the same version at once,
exactly one saved."""

from __future__ import annotations

import pytest

from bahali.core.versioning import Stale
from bahali.programmes import services
from bahali.programmes.models import Programme
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_two_configuration_edits_from_one_version_one_wins():
    world = PathwayWorld()
    programme = world.programmes["community"]

    def edit(months):
        return lambda: services.update_programme(
            actor=world.manager,
            programme=Programme.objects.get(pk=programme.pk),
            expected_version=programme.version,
            aftercare_months=months,
        )

    outcomes = race(edit(9), edit(3))
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Stale]
    saved = Programme.objects.get(pk=programme.pk)
    assert saved.aftercare_months == winners(outcomes)[0].aftercare_months
    assert saved.version == programme.version + 1
