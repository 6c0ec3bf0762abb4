"""Communities: committee composition and its flags, dialogues with disaggregated attendance,
placement (the committee then signs the gate and sees the case, never clinical notes), and
who may see and write what."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.accounts import policies
from bahali.accounts.roles import Role
from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.casework.models import Note
from bahali.communities import services
from bahali.communities.models import Committee, Dialogue
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.geography import services as geography
from bahali.geography.models import Community, District
from bahali.testing import OrganisationFactory, PathwayWorld, make_member

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _community(name: str = "Shah Dheri", district: str = "SWT") -> Community:
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code=district), name=f"Tehsil of {name}"
    )
    return geography.add_community(actor=SYSTEM, tehsil=tehsil, name=name)


@pytest.fixture
def village(world) -> Community:
    return _community()


@pytest.fixture
def committee(world, village) -> Committee:
    return services.form_committee(
        actor=world.manager, community=village, organisation=world.committee
    )


def _member(world, committee, name, role="elder", sex="m", age_band="senior", actor=None):
    return services.add_committee_member(
        actor=actor or world.manager,
        committee=committee,
        name=name,
        role=role,
        sex=sex,
        age_band=age_band,
    )


def test_composition_flags_committees_without_women_or_youth(world, committee):
    assert services.composition(committee).flags == ["No members are recorded."]
    _member(world, committee, "Haji Gul")
    _member(world, committee, "Maulana Rauf", role="religious_leader", age_band="adult")
    flags = services.composition(committee).flags
    assert flags == [
        "No women sit on this committee.",
        "No young people (under 30) sit on this committee.",
    ]
    _member(world, committee, "Bibi Sultana", role="womens_representative", sex="f")
    composition = services.composition(committee)
    assert composition.flags == ["No young people (under 30) sit on this committee."]
    assert composition.women == 1 and composition.women_share == 33
    youth = _member(world, committee, "Imran", role="youth_representative", age_band="youth")
    composition = services.composition(committee)
    assert composition.flags == [] and composition.youth_share == 25
    services.end_committee_membership(actor=world.manager, member=youth)
    assert services.composition(committee).flags == [
        "No young people (under 30) sit on this committee."
    ]


def test_committee_member_input_refused(world, committee):
    with pytest.raises(ValidationError) as error:
        _member(world, committee, " ", role="king", sex="x", age_band="old")
    assert set(error.value.message_dict) == {"name", "role", "sex", "age_band"}
    assert not committee.members.exists()


def test_committee_members_edit_their_own_committee_only(world, committee):
    _member(world, committee, "Rahim Dad", actor=world.committee_member)
    other_village = _community("Sakhra")
    other_org = OrganisationFactory(kind="community_committee")
    other = services.form_committee(
        actor=world.manager, community=other_village, organisation=other_org
    )
    with pytest.raises(PermissionDenied):
        _member(world, other, "Someone", actor=world.committee_member)
    with pytest.raises(PermissionDenied):
        _member(world, committee, "Someone", actor=world.case_worker)


def test_committee_needs_a_committee_organisation(world, village):
    with pytest.raises(ValidationError):
        services.form_committee(actor=world.manager, community=village, organisation=world.cso)
    with pytest.raises(PermissionDenied):
        services.form_committee(
            actor=world.manager, community=_community("Khar", "BJR"), organisation=world.committee
        )


def test_dialogue_with_attendance_by_sex_and_age(world, committee, village):
    dialogue = services.record_dialogue(
        actor=world.committee_member,
        community=village,
        kind="jirga",
        held_on=world.today - 3 * DAY,
        topic="Receiving Rahmatullah back",
        facilitator="Haji Gul",
        men=14,
        women=9,
        young_men=9,
        young_women=2,
        decisions="The village will receive him.",
        follow_ups="Meet the victims' families.",
        follow_up_by=world.today + 14 * DAY,
    )
    assert dialogue.total == 34 and dialogue.female == 11 and dialogue.youth == 11


def test_dialogue_input_refused(world, committee, village):
    with pytest.raises(ValidationError) as error:
        services.record_dialogue(
            actor=world.manager,
            community=village,
            kind="party",
            held_on=world.today + DAY,
            topic="",
            facilitator="",
        )
    assert set(error.value.message_dict) >= {"kind", "held_on", "topic", "facilitator", "men"}
    assert not Dialogue.objects.exists()


def test_placement_makes_the_committee_sign_and_see(world, committee, village):
    other_org = OrganisationFactory(kind="community_committee")
    case = world.case(phase="transition", receiving_committee=other_org)
    assert not Case.objects.visible_to(world.committee_member).filter(pk=case.pk).exists()
    services.place_case(actor=world.case_worker, case=case, community=village, expected_version=1)
    case.refresh_from_db()
    assert case.receiving_community == village and case.receiving_committee == world.committee
    assert Case.objects.visible_to(world.committee_member).filter(pk=case.pk).exists()
    # the committee sees the case summary, never its plan or clinical notes
    casework.write_note(actor=world.psychologist, case=case, sensitivity="clinical", body="x")
    assert not policies.can(world.committee_member, "plan.read", case)
    assert not Note.objects.visible_to(world.committee_member).exists()
    # ... and signs the gate towards the community
    transition = case.programme.transitions.get(
        from_phase=case.phase, to_phase__code="reintegration"
    )
    request = cases.request_transition(
        actor=world.case_worker, case=case, transition=transition, reason="Ready"
    )
    assert cases.signing_memberships(world.committee_member, request)


def test_placement_refused(world, committee, village):
    case = world.case()
    bare = _community("No committee village")
    with pytest.raises(ValidationError, match="no reintegration committee"):
        services.place_case(actor=world.case_worker, case=case, community=bare)
    with pytest.raises(PermissionDenied):
        services.place_case(actor=world.committee_member, case=case, community=village)
    with pytest.raises(Stale):
        services.place_case(
            actor=world.case_worker, case=case, community=village, expected_version=99
        )
    bajaur = _community("Khar", "BJR")
    services.form_committee(
        actor=SYSTEM, community=bajaur, organisation=OrganisationFactory(kind="community_committee")
    )
    with pytest.raises(ValidationError, match="district"):
        services.place_case(actor=world.case_worker, case=case, community=bajaur)


def test_who_sees_which_community(world, committee, village):
    other = _community("Sakhra")
    bajaur = _community("Khar", "BJR")
    visible = lambda user: set(  # noqa: E731
        policies.filter_visible(Community.objects.all(), user, "community_readiness")
    )
    assert visible(world.committee_member) == {village}
    assert visible(world.manager) >= {village, other} and bajaur not in visible(world.manager)
    assert visible(world.monitor) >= {village, other, bajaur}
    assert visible(world.liaison) == set() and visible(world.analyst) == set()
    case = world.case()
    services.place_case(actor=world.case_worker, case=case, community=village)
    assert visible(world.case_worker) == {village}
    assert visible(make_member(Role.CASE_WORKER)) == set()
