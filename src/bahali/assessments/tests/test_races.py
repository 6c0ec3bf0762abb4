"""No lost update on assessments: two saves of a draft, or two changes of an instrument,
from the same version at once — exactly one saved (measured before the fix: both answered
200 and one text was lost in 4 of 8 rounds)."""

from __future__ import annotations

import pytest

from bahali.assessments import services
from bahali.assessments.builtin import builtin_definition
from bahali.assessments.models import Assessment, Instrument
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def _losers(outcomes: list[object]) -> list[type]:
    return [type(outcome) for outcome in outcomes if isinstance(outcome, Exception)]


def test_two_draft_saves_from_one_version_one_wins():
    world = PathwayWorld()
    services.load_builtin_instruments(actor=SYSTEM)  # the flush took the migration's
    draft = services.start_assessment(
        actor=world.case_worker,
        case=world.case(),
        instrument=Instrument.objects.get(code="screening"),
    )

    def save(user, age):
        return lambda: services.save_answers(
            actor=user,
            assessment=Assessment.objects.get(pk=draft.pk),
            expected_version=draft.version,
            answers={"voluntary": "yes", "age": age},
        )

    outcomes = race(save(world.case_worker, "16"), save(world.psychologist, "17"))
    assert len(winners(outcomes)) == 1 and _losers(outcomes) == [Stale], outcomes
    saved = Assessment.objects.get(pk=draft.pk)
    assert saved.answers == winners(outcomes)[0].answers
    assert saved.version == draft.version + 1


def test_an_instrument_changed_twice_from_one_version_one_wins():
    world = PathwayWorld()
    version = services.create_instrument(
        actor=world.manager,
        code="lead-needs",
        kind="needs",
        organisation=world.lead,
        definition=builtin_definition("needs"),
    )
    services.publish_version(actor=world.manager, version=version)
    instrument = Instrument.objects.get(code="lead-needs")

    def switch(active):
        return lambda: services.set_instrument_active(
            actor=world.manager,
            instrument=Instrument.objects.get(pk=instrument.pk),
            expected_version=instrument.version,
            active=active,
        )

    outcomes = race(switch(False), switch(True))
    assert len(winners(outcomes)) == 1 and _losers(outcomes) == [Stale], outcomes
    saved = Instrument.objects.get(pk=instrument.pk)
    assert saved.is_active == winners(outcomes)[0].is_active
    assert saved.version == instrument.version + 1
