"""Decisions on a referral apply once: two screenings of the same referral at once, exactly
one decision saved; two enrolments from it at once, one case."""

from __future__ import annotations

import pytest

from bahali.cases.models import Case
from bahali.core.versioning import Conflict
from bahali.intake import services
from bahali.intake.models import Referral, Screening
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_two_decisions_at_once_one_applies_and_one_case_opens():
    world = PathwayWorld()
    programme = world.programmes["centre"]
    services.publish_criteria(actor=world.manager, programme=programme, min_age=18, max_age=35)
    referral = services.record_referral(
        actor=world.case_worker,
        participant=world.participant(),
        source="family",
        referrer="His brother",
        from_district=world.swat,
    )

    def screen(outcome, age):
        return lambda: services.screen_referral(
            actor=world.case_worker,
            referral=Referral.objects.get(pk=referral.pk),
            outcome=outcome,
            grounds="Screened at the centre.",
            answers=services.Answers(age=age, voluntary=True),
            programme=programme,
            expected_version=referral.version,
        )

    outcomes = race(screen("eligible", 24), screen("eligible", 30))
    assert len(winners(outcomes)) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if isinstance(o, Exception))
    assert Screening.objects.filter(referral=referral).count() == 1
    saved = Referral.objects.get(pk=referral.pk)
    assert saved.status == "eligible"
    enrol = lambda: services.enrol_from_referral(  # noqa: E731
        actor=world.case_worker,
        referral=Referral.objects.get(pk=referral.pk),
        expected_version=saved.version,
    )
    outcomes = race(enrol, enrol)
    assert len(winners(outcomes)) == 1, outcomes
    assert Case.objects.filter(participant=saved.participant).count() == 1
