"""A link request is decided once: two data stewards (or one double click) deciding it from
the same version at once leave one decision and, when it approves, one link."""

from __future__ import annotations

import pytest

from bahali.core.versioning import Conflict
from bahali.registry import services
from bahali.registry.models import LinkRequest
from bahali.testing import PathwayWorld, make_member, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_approved_and_refused_at_once_is_decided_once():
    from bahali.accounts.roles import Role

    world = PathwayWorld()
    identity = services.Identity(
        name="Wali Khan Afridi", father_name="Sher Afridi", birth_year=1990
    )
    participant = services.register_participant(
        actor=world.steward, identity=identity, sex="m", district=world.swat,
        organisation=world.lead,
    )  # fmt: skip
    outcome = services.confirm_same_person(
        actor=world.cso_worker,
        participant=participant,
        identity=identity,
        sex="m",
        district=world.swat,
        organisation=world.cso,
    )
    request = outcome.request
    assert request is not None
    colleague = make_member(Role.DATA_STEWARD, organisation=world.lead)

    def decide(actor, approve):  # type: ignore[no-untyped-def]
        return lambda: services.decide_link_request(
            actor=actor,
            request=LinkRequest.objects.get(pk=request.pk),
            approve=approve,
            note="" if approve else "He is not the man the CSO knows.",
            expected_version=request.version,
        )

    outcomes = race(decide(world.steward, True), decide(colleague, False))
    assert len(winners(outcomes)) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))
    saved = LinkRequest.objects.get(pk=request.pk)
    assert saved.version == request.version + 1
    linked = participant.links.filter(organisation=world.cso).count()
    assert linked == (1 if saved.status == LinkRequest.Status.APPROVED else 0)
