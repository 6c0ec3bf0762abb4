"""Communities: every role against every community, committee, dialogue and placement page.

The cast's village has the cast's committee and receives the cast's case; a second Swat
village has no committee yet; a Bajaur village is in no one's scope but oversight's. The
village has a completed readiness assessment and a draft; so has the Bajaur village.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.assessments import services as assessments
from bahali.assessments.models import Assessment
from bahali.cases.models import Case
from bahali.communities import readiness
from bahali.communities import services as communities
from bahali.communities.models import Committee, CommitteeMember, CommunityBenefit, Dialogue
from bahali.core.context import SYSTEM
from bahali.geography import services as geography
from bahali.geography.models import Community, District
from bahali.testing import OrganisationFactory, PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
READERS = TEAM | {Role.COMMITTEE_MEMBER, Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
WRITERS = {Role.COMMITTEE_MEMBER, Role.PROGRAMME_MANAGER}
PLACERS = TEAM | {Role.PROGRAMME_MANAGER}
BENEFIT_WRITERS = (TEAM - {Role.PSYCHOLOGIST}) | {Role.PROGRAMME_MANAGER}
SHARE_READERS = {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}


@dataclass
class CommunityWorld:
    world: PathwayWorld
    village: Community
    committee: Committee
    member: CommitteeMember
    bare: Community
    stranger: Community
    case: Case
    assessed: Assessment
    draft: Assessment
    stranger_assessed: Assessment
    dialogue: Dialogue
    benefit: CommunityBenefit
    other_case: Case


def _readiness(community: Community) -> tuple[Assessment, Assessment]:
    """A completed readiness assessment of the community, then a draft."""
    first = readiness.start_readiness_assessment(actor=SYSTEM, community=community)
    answers = dict.fromkeys(
        (
            "acceptance",
            "stigma",
            "safety",
            "victims_concerns",
            "elders_support",
            "religious_support",
            "services",
        ),
        "medium",
    )
    done = assessments.complete_assessment(
        actor=SYSTEM,
        assessment=first,
        expected_version=first.version,
        answers=answers,
        judgement=assessments.Judgement({}, "moderate", "Elders divided."),
    )
    return done, readiness.start_readiness_assessment(actor=SYSTEM, community=community)


def _community(name: str, district: str) -> Community:
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code=district), name=f"Tehsil {name}"
    )
    return geography.add_community(actor=SYSTEM, tehsil=tehsil, name=name)


def _world() -> CommunityWorld:
    world = PathwayWorld()
    village = _community("Shah Dheri", "SWT")
    committee = communities.form_committee(
        actor=SYSTEM, community=village, organisation=world.committee
    )
    member = communities.add_committee_member(
        actor=SYSTEM, committee=committee, name="Haji Gul", role="elder", sex="m", age_band="senior"
    )
    stranger = _community("Khar", "BJR")
    communities.form_committee(
        actor=SYSTEM,
        community=stranger,
        organisation=OrganisationFactory(kind="community_committee"),
    )
    assessed, draft = _readiness(village)
    case = world.case(receiving_community=village)
    benefit = communities.record_community_benefit(
        actor=SYSTEM,
        case=case,
        kind="livelihood_grant",
        description="Poultry for five households",
        amount=decimal.Decimal("150000"),
        beneficiaries=5,
        provided_on=world.today,
        organisation=world.centre,
    )
    return CommunityWorld(
        benefit=benefit,
        other_case=world.case(receiving_community=village),
        world=world,
        village=village,
        committee=committee,
        member=member,
        bare=_community("Sakhra", "SWT"),
        stranger=stranger,
        case=case,
        assessed=assessed,
        draft=draft,
        stranger_assessed=_readiness(stranger)[0],
        dialogue=communities.record_dialogue(
            actor=SYSTEM,
            community=village,
            kind="jirga",
            held_on=world.today,
            topic="Return",
            facilitator="Haji Gul",
            men=5,
            follow_ups="Visit the families.",
            follow_up_by=world.today,
        ),
    )


def _dialogue(w: CommunityWorld) -> dict:
    return {
        "kind": "jirga",
        "held_on": w.world.today.isoformat(),
        "topic": "Return",
        "facilitator": "Haji Gul",
        "men": 10,
        "women": 4,
        "young_men": 3,
        "young_women": 1,
    }


PAGES = [
    page("communities:list", "get", lambda w: "/communities/", READERS, 200),
    page("communities:detail", "get", lambda w: f"/communities/{w.village.pk}/", READERS, 200),
    page("communities:detail", "get", lambda w: f"/communities/{w.stranger.pk}/", OVERSIGHT, 200),
    page(
        "communities:form_committee",
        "post",
        lambda w: f"/communities/{w.bare.pk}/committee/",
        {Role.PROGRAMME_MANAGER},
        302,
        data=lambda w: {
            "organisation": OrganisationFactory(kind="community_committee").pk,
            "formed_on": w.world.today.isoformat(),
        },
    ),
    page(
        "communities:add_member",
        "post",
        lambda w: f"/communities/{w.village.pk}/members/",
        WRITERS,
        302,
        data=lambda w: {
            "name": "Bibi Sultana",
            "role": "womens_representative",
            "sex": "f",
            "age_band": "adult",
            "joined_on": w.world.today.isoformat(),
        },
    ),
    page(
        "communities:end_member",
        "post",
        lambda w: f"/communities/{w.village.pk}/members/{w.member.pk}/leave/",
        WRITERS,
        302,
    ),
    page(
        "communities:new_dialogue",
        "get",
        lambda w: f"/communities/{w.village.pk}/dialogues/new/",
        WRITERS,
        200,
    ),
    page(
        "communities:new_dialogue",
        "post",
        lambda w: f"/communities/{w.village.pk}/dialogues/new/",
        WRITERS,
        302,
        data=_dialogue,
    ),
    page(
        "communities:new_dialogue",
        "post",
        lambda w: f"/communities/{w.stranger.pk}/dialogues/new/",
        set(),
        302,
        data=_dialogue,
    ),
    page(
        "communities:follow_ups_done",
        "post",
        lambda w: f"/communities/{w.village.pk}/dialogues/{w.dialogue.pk}/follow-ups-done/",
        WRITERS,
        302,
    ),
    page(
        "communities:follow_ups_done",
        "post",
        lambda w: f"/communities/{w.stranger.pk}/dialogues/{w.dialogue.pk}/follow-ups-done/",
        set(),  # another community's address: out of reach for everyone
        302,
    ),
    page(
        "communities:start_readiness",
        "post",
        lambda w: f"/communities/{w.bare.pk}/readiness/",
        {Role.PROGRAMME_MANAGER},
        302,
        data=lambda w: {"assessed_on": w.world.today.isoformat()},
    ),
    page(
        "communities:start_readiness",
        "post",
        lambda w: f"/communities/{w.village.pk}/readiness/",
        WRITERS,
        302,  # a draft is in progress: refused with a message, nothing changes
        data=lambda w: {"assessed_on": w.world.today.isoformat()},
    ),
    page(
        "communities:start_readiness",
        "post",
        lambda w: f"/communities/{w.stranger.pk}/readiness/",
        set(),
        302,
        data=lambda w: {"assessed_on": w.world.today.isoformat()},
    ),
    page(
        "communities:readiness",
        "get",
        lambda w: f"/communities/{w.village.pk}/readiness/{w.assessed.pk}/",
        READERS,
        200,
    ),
    page(
        "communities:readiness",
        "get",
        lambda w: f"/communities/{w.stranger.pk}/readiness/{w.stranger_assessed.pk}/",
        OVERSIGHT,
        200,
    ),
    page(
        "communities:readiness",
        "get",
        lambda w: f"/communities/{w.village.pk}/readiness/{w.draft.pk}/",
        READERS,
        200,  # writers fill it in; readers read what is there so far
    ),
    page(
        "communities:readiness",
        "post",
        lambda w: f"/communities/{w.village.pk}/readiness/{w.draft.pk}/",
        WRITERS,
        302,
        data=lambda w: {
            "version": w.draft.version,
            "assessed_on": w.world.today.isoformat(),
            "i_acceptance": "high",
            "action": "save",
        },
    ),
    page(
        "communities:readiness",
        "post",
        lambda w: f"/communities/{w.village.pk}/readiness/{w.assessed.pk}/",
        WRITERS,  # completed: a writer's second submit is sent back to it, changing nothing
        302,
        data=lambda w: {"version": w.assessed.version, "action": "save"},
    ),
    page(
        "communities:correct_readiness",
        "post",
        lambda w: f"/communities/{w.village.pk}/readiness/{w.assessed.pk}/correct/",
        WRITERS,
        302,
    ),
    page(
        "communities:discard_readiness",
        "post",
        lambda w: f"/communities/{w.village.pk}/readiness/{w.draft.pk}/discard/",
        WRITERS,
        302,
    ),
    page(
        "communities:discard_readiness",
        "post",
        lambda w: f"/communities/{w.stranger.pk}/readiness/{w.stranger_assessed.pk}/discard/",
        set(),
        302,
    ),
    page("communities:case", "get", lambda w: f"/cases/{w.case.pk}/community/", READERS, 200),
    page(
        "communities:case",
        "post",
        lambda w: f"/cases/{w.case.pk}/community/",
        PLACERS,
        200,  # already placed there: refused on the page, nothing changes
        data=lambda w: {"community": w.village.pk, "version": w.case.version},
    ),
    page(
        "communities:record_benefit",
        "post",
        lambda w: f"/cases/{w.case.pk}/community/benefits/",
        BENEFIT_WRITERS,
        302,
        data=lambda w: {
            "kind": "skills_training",
            "description": "Phone repair course",
            "amount": "60000",
            "beneficiaries": 12,
            "provided_on": w.world.today.isoformat(),
            "organisation": w.world.centre.pk,
            "status": "planned",
        },
    ),
    page(
        "communities:benefit_paid",
        "post",
        lambda w: f"/cases/{w.case.pk}/community/benefits/{w.benefit.pk}/paid/",
        BENEFIT_WRITERS,
        302,
        data=lambda w: {"version": w.benefit.version},
    ),
    page(
        "communities:benefit_paid",  # another case's support through a case in scope
        "post",
        lambda w: f"/cases/{w.other_case.pk}/community/benefits/{w.benefit.pk}/paid/",
        set(),
        302,
        data=lambda w: {"version": w.benefit.version},
    ),
    page(
        "communities:support_share",
        "get",
        lambda w: f"/programmes/{w.case.programme.code}/support-share/",
        SHARE_READERS,
        200,
    ),
]
API = [
    api("api:list_communities", "get", lambda w: "/api/v1/communities", set(Role), 200),
    api(
        "api:list_dialogues",
        "get",
        lambda w: f"/api/v1/communities/{w.village.pk}/dialogues",
        READERS,
        200,
    ),
    api(
        "api:list_dialogues",
        "get",
        lambda w: f"/api/v1/communities/{w.stranger.pk}/dialogues",
        OVERSIGHT,
        200,
    ),
    api(
        "api:list_readiness",
        "get",
        lambda w: f"/api/v1/communities/{w.village.pk}/readiness",
        READERS,
        200,
    ),
    api(
        "api:list_readiness",
        "get",
        lambda w: f"/api/v1/communities/{w.stranger.pk}/readiness",
        OVERSIGHT,
        200,
    ),
    api(
        "api:create_dialogue",
        "post",
        lambda w: f"/api/v1/communities/{w.village.pk}/dialogues",
        WRITERS,
        201,
        data=_dialogue,
    ),
    api(
        "api:place_case",
        "put",
        lambda w: f"/api/v1/cases/{w.case.pk}/placement",
        PLACERS,
        422,  # placed there already: refused, nothing changes
        data=lambda w: {"community_id": w.village.pk, "version": w.case.version},
    ),
]


world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith("/accounts/sign-in/")
