"""The rules that compare roles, decided in accounts/policies.py (not in the apps'
services and views), each asked through its policy function."""

from __future__ import annotations

import pytest

from bahali.accounts import policies
from bahali.accounts import services as accounts
from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services as registry
from bahali.testing import OrganisationFactory, PathwayWorld, make_member, membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _share_with_committees(world: PathwayWorld, participant) -> None:
    registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="sharing",
        share_with="community_committee",
        given_by="self",
        method="signed",
        given_on=world.today,
    )


def test_committee_members_see_the_name_only(world):
    case = world.case("centre")
    _share_with_committees(world, case.participant)
    assert policies.identity_names_only(world.committee_member, case.participant)
    assert not policies.identity_names_only(world.case_worker, case.participant)
    assert not policies.identity_names_only(world.manager, case.participant)
    assert not policies.identity_names_only(SYSTEM, case.participant)


def test_a_second_role_that_opens_the_whole_identity_lifts_the_name_only_view(world):
    """The user's union of roles: a committee member who is also on the team sees it all."""
    case = world.case("centre")
    _share_with_committees(world, case.participant)
    accounts.grant_membership(
        actor=SYSTEM,
        user=world.committee_member,
        organisation=world.lead,
        role=Role.PROGRAMME_MANAGER,
        districts=District.objects.filter(code="SWT"),
    )
    world.committee_member.forget_memberships()
    assert not policies.identity_names_only(world.committee_member, case.participant)


def test_only_programme_managers_of_an_organisation_own_its_instruments(world):
    other = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    assert policies.may_own_instruments_of(world.manager, world.lead)
    assert not policies.may_own_instruments_of(world.manager, other)
    assert not policies.may_own_instruments_of(world.steward, world.lead)  # same org, no grant
    assert not policies.may_own_instruments_of(world.case_worker, world.centre)
    assert policies.may_own_instruments_of(SYSTEM, other)
    assert policies.acting_organisations(world.manager, "instrument.write") == [world.lead.pk]
    assert policies.acting_organisations(world.psychologist, "instrument.write") == []


def test_only_programme_managers_of_the_lead_organisation_configure_its_programmes(world):
    assert policies.may_configure_programmes_of(world.manager, world.lead)
    assert not policies.may_configure_programmes_of(world.manager, world.centre)
    assert not policies.may_configure_programmes_of(world.steward, world.lead)
    assert policies.may_configure_programmes_of(SYSTEM, world.centre)


def test_referral_providers_are_the_organisations_whose_team_roles_answer_referrals(world):
    assert policies.referral_providers(world.trainer) == [world.cso.pk]
    assert policies.referral_providers(world.psychologist) == [world.centre.pk]
    # programme managers reach referrals through their districts, not as a provider
    assert policies.referral_providers(world.manager) == []
    assert policies.referral_providers(world.committee_member) == []
    assert policies.referral_providers(SYSTEM) == []


def test_committees_of_a_user_are_those_they_sit_on_as_committee_members(world):
    assert policies.committees_of(world.committee_member) == [world.committee.pk]
    assert policies.committees_of(world.manager) == []  # readiness through districts
    assert policies.committees_of(world.case_worker) == []
    second = make_member(Role.COMMITTEE_MEMBER)
    assert policies.committees_of(second) == [membership_of(second).organisation_id]


def test_identity_on_request_for_programme_managers_only(world):
    case = world.case("centre")
    participant = case.participant
    assert policies.identity_needs_purpose(world.manager, participant)
    assert not policies.identity_needs_purpose(world.case_worker, participant)
    assert not policies.identity_needs_purpose(world.steward, participant)
    assert not policies.identity_needs_purpose(SYSTEM, participant)
    # a manager who does not reach the participant at all is refused elsewhere, not asked
    faraway = make_member(Role.PROGRAMME_MANAGER, districts=("BJR",))
    assert not policies.identity_needs_purpose(faraway, participant)


def test_unknown_or_malformed_actions_grant_no_organisation(world):
    assert policies.acting_organisations(world.manager, "instrument") == []
    assert policies.acting_organisations(world.manager, "instrument.delete") == []
    assert policies.acting_organisations(world.manager, "nothing.write") == []


def test_enrolling_memberships_are_those_whose_role_grants_enrolment(world):
    """The enroller's membership (whose organisation leads a new case by default)."""
    assert policies.acting_memberships(world.case_worker, "enrolment.write") == [
        membership_of(world.case_worker)
    ]
    assert policies.acting_memberships(world.manager, "enrolment.write") == [
        membership_of(world.manager)
    ]
    assert policies.acting_memberships(world.psychologist, "enrolment.write") == []
    assert policies.acting_memberships(SYSTEM, "enrolment.write") == []
