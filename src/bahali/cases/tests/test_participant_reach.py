"""Which participants a role reaches (``cases.scopes.participant_reach``): through their
cases and, before a case is open, through the organisation that registered them — asked as
EXISTS probes, so a large organisation's list answers (an ``IN`` subquery larger than
PostgreSQL's ``work_mem`` is read again for every participant)."""

from __future__ import annotations

import pytest
from django.core.exceptions import EmptyResultSet

from bahali.cases import services
from bahali.cases.models import TeamMember
from bahali.core.context import SYSTEM
from bahali.registry.models import Participant
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _reached(user, resource: str = "case_summary") -> set[int]:
    return set(Participant.objects.visible_to(user, resource).values_list("pk", flat=True))


def test_team_roles_reach_their_cases_and_their_organisations_people_not_yet_enrolled():
    world = PathwayWorld()
    enrolled = world.case().participant  # registered by the centre, the CSO on its team
    waiting = world.participant()  # registered by the centre, no case yet
    stranger = world.stranger_case().participant  # another centre's, another district

    # a case worker of the CSO: on the case's team, not linked to the centre's people
    assert enrolled.pk in _reached(world.cso_worker)
    assert waiting.pk not in _reached(world.cso_worker)
    assert stranger.pk not in _reached(world.cso_worker)
    # the centre's case worker: the centre's people not yet in an open case, not others'
    assert waiting.pk in _reached(world.case_worker)
    assert stranger.pk not in _reached(world.case_worker)
    # a case worker on no team of no linked organisation reaches nobody
    assert not _reached(world.outsider) & {enrolled.pk, waiting.pk, stranger.pk}


def test_once_in_an_open_case_the_organisations_people_are_reached_through_its_team_only():
    world = PathwayWorld()
    case = world.case()  # the centre's case worker enrolled them and leads the team
    assert case.participant.pk in _reached(world.case_worker)
    lead = TeamMember.objects.get(case=case, membership__user=world.case_worker)
    services.remove_team_member(actor=SYSTEM, member=lead)
    # still the centre's person, but in an open case whose team they left
    assert case.participant.pk not in _reached(world.case_worker)
    assert case.participant.pk in _reached(world.psychologist)


def test_participant_scopes_never_ask_participant_in_a_subquery():
    world = PathwayWorld()
    world.case()
    for user in (
        world.case_worker,
        world.psychologist,
        world.steward,
        world.committee_member,
        world.liaison,
        world.manager,
    ):
        for resource in ("case_summary", "identity"):
            try:
                sql = str(Participant.objects.visible_to(user, resource).query)
            except EmptyResultSet:  # nothing grants it: no query at all
                continue
            assert '"registry_participant"."id" IN (SELECT' not in sql, (user, resource)
