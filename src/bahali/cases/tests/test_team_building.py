"""Building a case's team (issue 13, item 10): the case role follows the member's role, and
the one who enrols is told who builds the team when it is not them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bahali.accounts.models import Membership
from bahali.cases import services
from bahali.cases.models import Case, CaseRole
from bahali.core.context import SYSTEM
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _membership(user) -> Membership:
    return Membership.objects.get(user=user)


def _bare_case(world: PathwayWorld) -> Case:
    """A case enrolled by no member, so its team is empty."""
    return services.enrol_participant(
        actor=SYSTEM,
        participant=world.participant(),
        programme=world.programmes["centre"],
        referral_source="self",
        lead_organisation=world.centre,
    )


def test_without_a_case_role_each_member_takes_the_one_their_role_allows(world):
    case = _bare_case(world)
    expected = [
        (world.case_worker, CaseRole.LEAD_CASE_WORKER),  # no lead yet
        (world.cso_worker, CaseRole.CASE_WORKER),  # the case has its lead now
        (world.psychologist, CaseRole.PSYCHOLOGIST),
        (world.scholar, CaseRole.RELIGIOUS_SCHOLAR),
        (world.trainer, CaseRole.TRAINER),
        (world.mentor, CaseRole.MENTOR),
    ]
    for user, case_role in expected:
        member = services.add_team_member(
            actor=world.manager, case=case, membership=_membership(user)
        )
        assert member.case_role == case_role, user


def test_a_role_that_sits_on_no_team_is_still_refused(world):
    case = _bare_case(world)
    with pytest.raises(ValidationError):
        services.add_team_member(
            actor=world.manager, case=case, membership=_membership(world.liaison)
        )
    assert not case.team.exists()


def test_the_page_adds_a_psychologist_without_a_case_role_being_chosen(world, signed_in):
    case = _bare_case(world)
    client = signed_in(world.manager)
    psychologist = _membership(world.psychologist)
    response = client.post(
        f"/cases/{case.pk}/team/", {"membership": psychologist.pk, "case_role": ""}
    )
    assert response.status_code == 302
    assert case.team.get().case_role == CaseRole.PSYCHOLOGIST


def test_the_form_preselects_each_members_case_role(world, signed_in):
    case = _bare_case(world)
    client = signed_in(world.manager)
    psychologist = _membership(world.psychologist)
    page = client.get(f"/cases/{case.pk}/team/").content.decode()
    assert f'value="{psychologist.pk}" data-case-role="psychologist"' in page
    assert "cases/team.js" in page
    assert "<script>" not in page  # no inline script (CSP)
    shown = client.get(f"/cases/{case.pk}/team/?member={psychologist.pk}").content.decode()
    assert '<option value="psychologist" selected>' in shown
    assert '<option value="lead_case_worker" selected>' not in shown


def test_the_case_worker_is_told_who_builds_the_team(world, signed_in):
    client = signed_in(world.case_worker)
    participant = world.participant()
    response = client.post(
        f"/cases/enrol/{participant.code}/",
        {"programme": world.programmes["centre"].pk, "referral_source": "self"},
        follow=True,
    )
    page = response.content.decode()
    assert Case.objects.filter(participant=participant).exists()
    assert "Build the team next" not in page
    assert "The team is built by: Programme manager." in page
