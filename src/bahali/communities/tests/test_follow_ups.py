"""Follow-ups agreed at a dialogue: due soon or overdue, they wait in My work for the
community's committee members and whoever recorded the dialogue, until marked done."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bahali.cases import work
from bahali.communities import services
from bahali.communities.models import Dialogue
from bahali.core.context import SYSTEM
from bahali.geography import services as geography
from bahali.geography.models import Community, District
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def village(world) -> Community:
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code="SWT"), name="Matta"
    )
    village = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shah Dheri")
    services.form_committee(actor=SYSTEM, community=village, organisation=world.committee)
    return village


def _dialogue(actor, village, held_ago: int, due_in: int | None, follow_ups="Visit families."):
    today = timezone.localdate()
    return services.record_dialogue(
        actor=actor,
        community=village,
        kind="jirga",
        held_on=today - held_ago * DAY,
        topic="Return",
        facilitator="Haji Gul",
        men=10,
        follow_ups=follow_ups if due_in is not None else "",
        follow_up_by=today + due_in * DAY if due_in is not None else None,
    )


def _follow_ups(user) -> list[str]:
    return [item.url for item in work.items_for(user) if item.kind == "dialogue_follow_up"]


def test_due_and_overdue_follow_ups_in_my_work(world, village):
    overdue = _dialogue(SYSTEM, village, 40, -5)
    soon = _dialogue(SYSTEM, village, 10, 3)
    _dialogue(SYSTEM, village, 5, 30)  # not yet near
    _dialogue(SYSTEM, village, 5, None)  # nothing to follow up
    expected = [
        f"/communities/{village.pk}/#dialogue-{overdue.pk}",
        f"/communities/{village.pk}/#dialogue-{soon.pk}",
    ]
    assert _follow_ups(world.committee_member) == expected
    assert overdue.follow_ups_overdue and not soon.follow_ups_overdue
    items = [i for i in work.items_for(world.committee_member) if i.kind == "dialogue_follow_up"]
    assert items[0].overdue and items[0].case_label == "Shah Dheri"
    # a programme manager sees only those they recorded; the team none
    assert _follow_ups(world.manager) == []
    mine = _dialogue(world.manager, village, 3, 2)
    assert _follow_ups(world.manager) == [f"/communities/{village.pk}/#dialogue-{mine.pk}"]
    assert _follow_ups(world.case_worker) == []


def test_marking_follow_ups_done(world, village):
    dialogue = _dialogue(SYSTEM, village, 40, -5)
    with pytest.raises(PermissionDenied):
        services.complete_follow_ups(actor=world.case_worker, dialogue=dialogue)
    with pytest.raises(ValidationError):
        services.complete_follow_ups(
            actor=world.committee_member, dialogue=dialogue, done_on=dialogue.held_on - DAY
        )
    services.complete_follow_ups(actor=world.committee_member, dialogue=dialogue)
    dialogue.refresh_from_db()
    assert dialogue.follow_ups_done_on == timezone.localdate()
    assert not dialogue.follow_ups_overdue
    assert _follow_ups(world.committee_member) == []
    with pytest.raises(ValidationError):
        services.complete_follow_ups(actor=world.committee_member, dialogue=dialogue)
    none = _dialogue(SYSTEM, village, 1, None)
    with pytest.raises(ValidationError):
        services.complete_follow_ups(actor=world.committee_member, dialogue=none)


def test_page_marks_them_done(world, village, signed_in):
    dialogue = _dialogue(SYSTEM, village, 40, -5)
    client = signed_in(world.committee_member)
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert 'data-testid="follow-ups-overdue"' in page
    assert 'data-testid="work-dialogue_follow_up"' in client.get("/cases/my-work/").content.decode()
    response = client.post(f"/communities/{village.pk}/dialogues/{dialogue.pk}/follow-ups-done/")
    assert response["Location"] == f"/communities/{village.pk}/#dialogue-{dialogue.pk}"
    assert Dialogue.objects.get(pk=dialogue.pk).follow_ups_done_on is not None
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert 'data-testid="follow-ups-done"' in page
    assert 'data-testid="mark-follow-ups-done"' not in page
    assert (
        'data-testid="work-dialogue_follow_up"'
        not in client.get("/cases/my-work/").content.decode()
    )
