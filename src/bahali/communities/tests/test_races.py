"""No lost update on a case's placement: two edits from the same version at once, exactly
one saved (measured before the fix: both answered 200 in 6 of 8 rounds)."""

from __future__ import annotations

import pytest

from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.communities import services
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.testing import OrganisationFactory, PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def _village(world: PathwayWorld, name: str):
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code="SWT"), name=f"Tehsil of {name}"
    )
    village = geography.add_community(actor=SYSTEM, tehsil=tehsil, name=name)
    committee = OrganisationFactory(kind=OrganisationKind.COMMUNITY_COMMITTEE)
    services.form_committee(actor=world.manager, community=village, organisation=committee)
    return village


def test_two_placements_from_the_same_version_one_wins():
    world = PathwayWorld()
    case = world.case("centre")
    first, second = _village(world, "Shah Dheri"), _village(world, "Kalam")
    version = case.version
    outcomes = race(
        lambda: services.place_case(
            actor=world.case_worker,
            case=Case.objects.get(pk=case.pk),
            community=first,
            expected_version=version,
        ),
        lambda: services.place_case(
            actor=world.manager,
            case=Case.objects.get(pk=case.pk),
            community=second,
            expected_version=version,
        ),
    )
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Stale]
    saved = Case.objects.get(pk=case.pk)
    assert saved.version == version + 1
    assert saved.receiving_community == winners(outcomes)[0].receiving_community


def test_a_placement_and_a_transition_from_the_same_version_one_wins():
    world = PathwayWorld()
    case = world.case("centre")
    village = _village(world, "Shah Dheri")
    version = case.version
    transition = case.programme.transitions.get(from_phase=case.phase, to_phase__code="screening")
    outcomes = race(
        lambda: cases.request_transition(
            actor=world.case_worker,
            case=Case.objects.get(pk=case.pk),
            transition=transition,
            reason="Checked",
            expected_version=version,
        ),
        lambda: services.place_case(
            actor=world.case_worker,
            case=Case.objects.get(pk=case.pk),
            community=village,
            expected_version=version,
        ),
    )
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Stale]
    assert Case.objects.get(pk=case.pk).version == version + 1
