"""Rights red flags: every role against every page, through HTTP.

The oversight body reads the red flags (and may have them computed again); for every other
role the page does not exist (404), even with a flag on a case on their own team.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.rights import services
from bahali.testing import PathwayWorld
from tests.authorization import call, each_role, module_world, page
from tests.test_authorization_matrix import Endpoint

pytestmark = pytest.mark.django_db

OVERSIGHT = {Role.OVERSIGHT_MONITOR}


@dataclass
class RightsWorld:
    world: PathwayWorld
    case: Case


def _world() -> RightsWorld:
    world = PathwayWorld()
    case = world.case(phase="rehabilitation")
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            phase_entered_on=case.phase_entered_on - datetime.timedelta(days=400)
        )
    services.compute_red_flags(actor=SYSTEM)
    return RightsWorld(world=world, case=case)


PAGES = [
    page("rights:dashboard", "get", lambda w: "/red-flags/", OVERSIGHT, 200),
    page("rights:compute", "post", lambda w: "/red-flags/compute/", OVERSIGHT, 302),
]
API: list[Endpoint] = []  # the red flags have no API of their own

world = module_world(_world)


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    assert response["Location"].startswith("/accounts/sign-in/")
