"""No lost update on a service referral: accepted and declined at once from the same
version, one answer stands."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.core.versioning import Conflict
from bahali.referrals import services
from bahali.referrals.models import Referral
from bahali.referrals.tests.test_services import consent_to
from bahali.testing import PathwayWorld, make_member, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_answered_twice_at_once_keeps_one_answer():
    world = PathwayWorld()
    training = services.register_service(
        actor=world.manager,
        provider=world.cso,
        name="Electrician course",
        category="vocational",
        districts=[world.swat],
        contact="0946-123456",
    )
    case = world.case()
    consent_to(world, case, "civil_society")
    referral = services.refer(
        actor=world.case_worker, case=case, service_item=training, need="Electrician training"
    )
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)

    def answer(accept):
        return lambda: services.respond_to_referral(
            actor=provider,
            referral=Referral.objects.get(pk=referral.pk),
            accept=accept,
            note="" if accept else "Course full",
            expected_version=referral.version,
        )

    outcomes = race(answer(True), answer(False))
    assert len(winners(outcomes)) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))
    saved = Referral.objects.get(pk=referral.pk)
    assert saved.status == winners(outcomes)[0].status
    assert saved.version == referral.version + 1
