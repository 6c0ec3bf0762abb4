"""No lost update and no double recording in aftercare: two edits of a check-in or an
outcome event's verification from the same version at once, exactly one saved."""

from __future__ import annotations

import pytest

from bahali.aftercare import services
from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.aftercare.tests.test_services import _event, _overdue_case
from bahali.core.versioning import Conflict, Stale
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def _losers(outcomes: list[object]) -> list[type]:
    return [type(outcome) for outcome in outcomes if isinstance(outcome, Exception)]


def test_a_check_in_recorded_twice_at_once_is_recorded_once():
    world = PathwayWorld()
    _case, planned = _overdue_case(world)

    def record(user, wellbeing):
        return lambda: services.record_check_in(
            actor=user,
            check_in=CheckIn.objects.get(pk=planned.pk),
            done_on=world.today,
            method="phone",
            wellbeing=wellbeing,
            expected_version=planned.version,
        )

    outcomes = race(record(world.mentor, "good"), record(world.case_worker, "poor"))
    assert len(winners(outcomes)) == 1 and _losers(outcomes) in ([Stale], [Conflict]), outcomes
    saved = CheckIn.objects.get(pk=planned.pk)
    assert saved.version == planned.version + 1
    assert saved.wellbeing == winners(outcomes)[0].wellbeing


def test_an_outcome_verified_and_disproved_at_once_keeps_one_decision():
    world = PathwayWorld()
    event = _event(world, world.case(phase="aftercare"))

    def verify(verification):
        return lambda: services.verify_outcome(
            actor=world.manager,
            event=OutcomeEvent.objects.get(pk=event.pk),
            verification=verification,
            note="Police record seen",
            expected_version=event.version,
        )

    outcomes = race(verify("verified"), verify("disproved"))
    assert len(winners(outcomes)) == 1 and _losers(outcomes) == [Stale], outcomes
    saved = OutcomeEvent.objects.get(pk=event.pk)
    assert saved.verification == winners(outcomes)[0].verification
    assert saved.version == event.version + 1
