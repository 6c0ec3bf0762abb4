"""Who saw my data and subject access (issue 14, item 4): every role against every page.

The cast's participant is registered by the lead agency (whose data steward therefore
reaches them) and enrolled in the centre programme with the cast's team; the stranger case
(Bajaur, another lead agency) is in no one's scope but oversight's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.testing import PathwayWorld
from tests.authorization import call, each_role, module_world, page

pytestmark = pytest.mark.django_db

TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
LOG_READERS = TEAM | {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR, Role.DATA_STEWARD}
STEWARDS = {Role.DATA_STEWARD}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}
REQUEST = {"reason": "The person's written request of today", "fmt": "json"}


@dataclass
class DisclosureWorld:
    world: PathwayWorld
    participant: Any
    stranger_participant: Any


def _world() -> DisclosureWorld:
    world = PathwayWorld()
    registry = world.registry
    participant = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(name="Gul Zaman", father_name="Sher Zaman", birth_year=1994),
        sex="m",
        district=world.swat,
        organisation=world.lead,
    )
    registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="participation",
        given_by="self",
        method="signed",
        given_on=world.today,
    )
    registry.record_pledge(
        actor=SYSTEM, participant=participant, pledged_on=world.today, witnesses="Imam"
    )
    world.case("community", participant=participant)
    registry.read_identity(actor=SYSTEM, participant=participant)
    stranger = world.stranger_case()
    return DisclosureWorld(world, participant, stranger.participant)


PAGES = [
    page(
        "disclosures:log",
        "get",
        lambda w: f"/participants/{w.participant.code}/disclosures/",
        LOG_READERS,
        200,
    ),
    page(
        "disclosures:log",
        "get",
        lambda w: f"/participants/{w.stranger_participant.code}/disclosures/",
        OVERSIGHT,
        200,
    ),
    page(
        "disclosures:subject_access",
        "get",
        lambda w: f"/participants/{w.participant.code}/subject-access/",
        STEWARDS,
        200,
    ),
    page(
        "disclosures:subject_access",
        "post",
        lambda w: f"/participants/{w.participant.code}/subject-access/",
        STEWARDS,
        200,
        data=REQUEST,
    ),
    page(
        "disclosures:subject_access",
        "get",
        lambda w: f"/participants/{w.stranger_participant.code}/subject-access/",
        set(),
        200,
    ),
    page(
        "disclosures:subject_access",
        "post",
        lambda w: f"/participants/{w.stranger_participant.code}/subject-access/",
        set(),
        200,
        data=REQUEST,
    ),
]
API: list = []


world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    assert response["Location"].startswith("/accounts/sign-in/")
