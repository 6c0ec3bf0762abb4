"""No lost update on a grievance: two handlers acting on it from the same version at once,
exactly one change saved."""

from __future__ import annotations

import pytest

from bahali.core.versioning import Conflict
from bahali.grievances import services
from bahali.grievances.models import Grievance, GrievanceStatus
from bahali.grievances.tests.test_services import _lodge
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_acknowledged_twice_at_once_is_acknowledged_once():
    world = PathwayWorld()
    grievance = _lodge(world)

    def acknowledge(note):
        return lambda: services.acknowledge_grievance(
            actor=world.monitor,
            grievance=Grievance.objects.get(pk=grievance.pk),
            note=note,
            expected_version=grievance.version,
        )

    outcomes = race(acknowledge("Phoned her"), acknowledge("Wrote to her"))
    assert len(winners(outcomes)) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))
    saved = Grievance.objects.get(pk=grievance.pk)
    assert saved.status == GrievanceStatus.ACKNOWLEDGED
    assert saved.acknowledgement == winners(outcomes)[0].acknowledgement
    assert saved.version == grievance.version + 1
