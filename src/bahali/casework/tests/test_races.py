"""No lost update and no decision applied twice in casework: two edits of a goal from the
same version, a support payment marked twice, a mentor assignment ended twice — at once;
exactly one applies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bahali.casework import services
from bahali.casework.models import Goal, MentorAssignment, SupportItem
from bahali.casework.tests.test_services import _goal, _mentoring
from bahali.core.versioning import Conflict, Stale
from bahali.testing import PathwayWorld, race, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_two_goal_edits_from_one_version_one_wins():
    world = PathwayWorld()
    goal = _goal(world, world.case())

    def edit(user, title):
        return lambda: services.update_goal(
            actor=user,
            goal=Goal.objects.get(pk=goal.pk),
            expected_version=goal.version,
            domain=goal.domain,
            title=title,
            interventions="",
            responsible=None,
            target_on=None,
            review_on=None,
            status="in_progress",
        )

    outcomes = race(edit(world.case_worker, "Electrician"), edit(world.trainer, "Plumber"))
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Stale]
    saved = Goal.objects.get(pk=goal.pk)
    assert saved.title == winners(outcomes)[0].title
    assert saved.version == goal.version + 1


def test_support_marked_paid_twice_at_once_is_paid_once():
    world = PathwayWorld()
    item = services.record_support(
        actor=world.case_worker,
        case=world.case(),
        kind="stipend",
        amount=Decimal("5000"),
        provided_on=world.today,
        organisation=world.centre,
    )

    def pay(user):
        return lambda: services.mark_support_paid(
            actor=user, item=SupportItem.objects.get(pk=item.pk), paid_on=world.today
        )

    outcomes = race(pay(world.case_worker), pay(world.trainer))
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Conflict]
    assert SupportItem.objects.get(pk=item.pk).status == "paid"


def test_a_mentor_assignment_ended_twice_at_once_ends_once():
    world = PathwayWorld()
    _case, assignment = _mentoring(world)

    def end(reason):
        return lambda: services.end_mentor_assignment(
            actor=world.case_worker,
            assignment=MentorAssignment.objects.get(pk=assignment.pk),
            ends_on=world.today,
            reason=reason,
        )

    outcomes = race(end("completed"), end("withdrew"))
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Conflict]
    assert (
        MentorAssignment.objects.get(pk=assignment.pk).end_reason == winners(outcomes)[0].end_reason
    )
