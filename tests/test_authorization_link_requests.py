"""Requests to work with a participant registered elsewhere (issue 14, item 2): every role
against the data steward's queue and decision, through HTTP.

The participant is registered by the lead agency (whose data steward decides); the civil-
society organisation asked to work with them. Every other role: 404, the asker's own people
included.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.registry import services
from bahali.registry.models import LinkRequest
from bahali.testing import PathwayWorld
from tests.authorization import call, each_role, module_world, page
from tests.test_authorization_matrix import Endpoint

pytestmark = pytest.mark.django_db

STEWARDS = {Role.DATA_STEWARD}


@dataclass
class LinkWorld:
    world: PathwayWorld
    request: LinkRequest


def _world() -> LinkWorld:
    world = PathwayWorld()
    identity = services.Identity(
        name="Wali Khan Afridi", father_name="Sher Afridi", birth_year=1990
    )
    participant = services.register_participant(
        actor=SYSTEM, identity=identity, sex="m", district=world.swat, organisation=world.lead
    )
    outcome = services.confirm_same_person(
        actor=world.cso_worker,
        participant=participant,
        identity=identity,
        sex="m",
        district=world.swat,
        organisation=world.cso,
    )
    assert outcome.request is not None
    return LinkWorld(world=world, request=outcome.request)


PAGES = [
    page("registry:link_requests", "get", lambda w: "/participants/link-requests/", STEWARDS, 200),
    page(
        "registry:decide_link_request",
        "post",
        lambda w: f"/participants/link-requests/{w.request.pk}/",
        STEWARDS,
        302,
        data=lambda w: {"decision": "approve", "version": w.request.version},
    ),
]
API: list[Endpoint] = []  # the decision has no API of its own; registration's is in the matrix

world = module_world(_world)


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    assert response["Location"].startswith("/accounts/sign-in/")
