"""Intake (referrals before enrolment, screening, criteria): every role against every page
and API operation, through HTTP.

The cast's referrals are received by the centre, in Swat: the centre's case worker and
psychologist handle them, the lead agency's manager (Swat) too, oversight reads them. The
stranger referral, received by another centre in Bajaur, is oversight's only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.intake import services as intake
from bahali.intake.models import Referral
from bahali.testing import OrganisationFactory, PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
READERS = {
    Role.CASE_WORKER,
    Role.PSYCHOLOGIST,
    Role.PROGRAMME_MANAGER,
    Role.OVERSIGHT_MONITOR,
}
HANDLERS = {Role.CASE_WORKER, Role.PSYCHOLOGIST, Role.PROGRAMME_MANAGER}
ENROLLERS = {Role.CASE_WORKER, Role.PROGRAMME_MANAGER}
FIGURES = {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
CONFIGURERS = {Role.PROGRAMME_MANAGER}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}
# who the person was in the group: the roles that need it, in scope of the participant
CLASSIFIERS = {Role.CASE_WORKER, Role.PSYCHOLOGIST, Role.PROGRAMME_MANAGER}
MANAGERS = {Role.PROGRAMME_MANAGER}
STEWARDS = {Role.DATA_STEWARD}
# case_detail: the team, the receiving committee, the manager, oversight, the lead's steward
TEAM_READERS = {
    Role.CASE_WORKER,
    Role.PSYCHOLOGIST,
    Role.RELIGIOUS_SCHOLAR,
    Role.TRAINER,
    Role.MENTOR,
    Role.COMMITTEE_MEMBER,
    Role.PROGRAMME_MANAGER,
    Role.OVERSIGHT_MONITOR,
    Role.DATA_STEWARD,
}


@dataclass
class IntakeWorld:
    world: PathwayWorld
    fresh: Any  # a registered participant with no referral yet
    waiting: Referral
    eligible: Referral
    stranger: Referral
    classified: Any  # a participant with a classification
    gated: Referral  # a leader found eligible, waiting for a manager's confirmation
    case: Any  # a case of the cast (the women-and-girls rule on the case API)


def _world() -> IntakeWorld:
    world = PathwayWorld()
    centre = world.programmes["centre"]
    intake.publish_criteria(actor=SYSTEM, programme=centre, min_age=18, max_age=40)
    intake.set_legal_basis(
        actor=SYSTEM,
        programme=world.programmes["prison"],
        kind="order",
        reference="An order (invented)",
        reports_to="Inspector General of Prisons",
    )
    classified = world.participant()
    intake.record_classification(
        actor=SYSTEM,
        participant=classified,
        group=intake.add_group(actor=SYSTEM, name="Black Ridge Front"),
        involvement="leader",
        roles=["finance"],
        joined="voluntary",
        age_at_first_involvement=22,
        months_in_group=40,
    )

    def refer(participant: Any, organisation: Any, district: District) -> Referral:
        return intake.record_referral(
            actor=SYSTEM,
            participant=participant,
            source="family",
            referrer="His brother",
            from_district=district,
            programme=centre,
            organisation=organisation,
        )

    waiting = refer(world.participant(), world.centre, world.swat)
    eligible = refer(world.participant(), world.centre, world.swat)
    intake.screen_referral(
        actor=SYSTEM,
        referral=eligible,
        outcome="eligible",
        grounds="All criteria met.",
        answers=intake.Answers(age=25, voluntary=True),
        programme=centre,
    )
    bajaur = District.objects.get(code="BJR")
    other = OrganisationFactory(kind="rehabilitation_centre")
    stranger_person = world.registry.register_participant(
        actor=SYSTEM,
        identity=world.registry.Identity(name="Stranger Person", birth_year=1990),
        sex="m",
        district=bajaur,
        organisation=other,
    )
    gated = refer(classified, world.centre, world.swat)
    intake.screen_referral(
        actor=SYSTEM,
        referral=gated,
        outcome="eligible",
        grounds="All criteria met; a leader.",
        answers=intake.Answers(age=30, voluntary=True),
        programme=centre,
    )
    return IntakeWorld(
        case=world.case("prison"),  # the centre programme enrols from referrals only
        classified=classified,
        gated=Referral.objects.get(pk=gated.pk),
        world=world,
        fresh=world.participant(),
        waiting=waiting,
        eligible=Referral.objects.get(pk=eligible.pk),
        stranger=refer(stranger_person, other, bajaur),
    )


def _referral_data(w: IntakeWorld) -> dict:
    return {
        "source": "self",
        "referrer": "Came himself",
        "referred_on": w.world.today.isoformat(),
        "from_district": w.world.swat.pk,
    }


def _screening_data(w: IntakeWorld) -> dict:
    return {"outcome": "deferred", "grounds": "Waiting for the court order", "version": 1}


PAGES = [
    page("intake:queue", "get", lambda w: "/intake/", READERS, 200),
    page("intake:rates", "get", lambda w: "/intake/refusal-rates/", FIGURES, 200),
    page("intake:new", "get", lambda w: f"/intake/new/{w.fresh.code}/", HANDLERS, 200),
    page(
        "intake:new",
        "post",
        lambda w: f"/intake/new/{w.fresh.code}/",
        HANDLERS,
        302,
        data=_referral_data,
    ),
    page("intake:criteria", "get", lambda w: "/intake/criteria/centre/", EVERYONE, 200),
    page(
        "intake:criteria",
        "post",
        lambda w: "/intake/criteria/centre/",
        CONFIGURERS,
        302,
        data={"min_age": 16, "max_age": 40, "voluntary_required": "on"},
    ),
    page("intake:detail", "get", lambda w: f"/intake/{w.waiting.pk}/", READERS, 200),
    page("intake:detail", "get", lambda w: f"/intake/{w.stranger.pk}/", OVERSIGHT, 200),
    page("intake:screen", "get", lambda w: f"/intake/{w.waiting.pk}/screen/", HANDLERS, 200),
    page(
        "intake:screen",
        "post",
        lambda w: f"/intake/{w.waiting.pk}/screen/",
        HANDLERS,
        302,
        data=_screening_data,
    ),
    page(
        "intake:enrol",
        "post",
        lambda w: f"/intake/{w.eligible.pk}/enrol/",
        ENROLLERS,
        302,
        data=lambda w: {"version": w.eligible.version},
    ),
    page(
        "intake:confirm",
        "post",
        lambda w: f"/intake/{w.gated.pk}/confirm/",
        MANAGERS,
        302,
        data=lambda w: {"version": w.gated.version},
    ),
    page("intake:groups", "get", lambda w: "/intake/groups/", MANAGERS, 200),
    page(
        "intake:groups",
        "post",
        lambda w: "/intake/groups/",
        MANAGERS,
        302,
        data={"name": "Valley Lashkar"},
    ),
    page(
        "intake:classification",
        "get",
        lambda w: f"/intake/classification/{w.classified.code}/",
        CLASSIFIERS,
        200,
    ),
    page(
        "intake:classification",
        "post",
        lambda w: f"/intake/classification/{w.classified.code}/",
        CLASSIFIERS,
        302,
        data={"involvement": "member", "version": 1},
    ),
    page(
        "intake:women_rule",
        "post",
        lambda w: "/intake/criteria/centre/women-rule/",
        CONFIGURERS,
        302,
        data={"applies": "on"},
    ),
    page("intake:staff_sex", "get", lambda w: "/intake/staff/", STEWARDS, 200),
    page(
        "intake:staff_sex",
        "post",
        lambda w: "/intake/staff/",
        STEWARDS,
        302,
        data=lambda w: {"user": w.world.manager.pk, "sex": "f"},
    ),
    page(
        "intake:legal_basis",
        "post",
        lambda w: "/intake/criteria/centre/legal-basis/",
        CONFIGURERS,
        302,
        data={"kind": "law", "reference": "An act (invented)", "reports_to": "A commission"},
    ),
]
API = [
    api(
        "api:intake_case_women_staff",
        "get",
        lambda w: f"/api/v1/cases/{w.case.pk}/women-staff",
        TEAM_READERS,
        200,
    ),
    api(
        "api:intake_put_legal_basis",
        "put",
        lambda w: "/api/v1/intake/programmes/centre/legal-basis",
        CONFIGURERS,
        200,
        data={"kind": "law", "reference": "An act (invented)", "reports_to": "A commission"},
    ),
    api(
        "api:intake_get_legal_basis",
        "get",
        lambda w: "/api/v1/intake/programmes/prison/legal-basis",
        EVERYONE,
        200,
    ),
    api(
        "api:intake_get_classification",
        "get",
        lambda w: f"/api/v1/intake/participants/{w.classified.code}/classification",
        CLASSIFIERS,
        200,
    ),
    api(
        "api:intake_put_classification",
        "put",
        lambda w: f"/api/v1/intake/participants/{w.classified.code}/classification",
        CLASSIFIERS,
        200,
        data={"involvement": "member", "roles": ["fighter"], "version": 1},
    ),
    api(
        "api:intake_confirm_eligibility",
        "post",
        lambda w: f"/api/v1/intake/referrals/{w.gated.pk}/confirmation",
        MANAGERS,
        200,
        data=lambda w: {"version": w.gated.version},
    ),
    api("api:intake_list_referrals", "get", lambda w: "/api/v1/intake/referrals", READERS, 200),
    api(
        "api:intake_create_referral",
        "post",
        lambda w: "/api/v1/intake/referrals",
        HANDLERS,
        201,
        data=lambda w: {
            "participant": w.fresh.code,
            "source": "court",
            "referrer": "Sessions court, Mingora",
            "from_district": "SWT",
        },
    ),
    api(
        "api:intake_get_referral",
        "get",
        lambda w: f"/api/v1/intake/referrals/{w.waiting.pk}",
        READERS,
        200,
    ),
    api(
        "api:intake_get_referral",
        "get",
        lambda w: f"/api/v1/intake/referrals/{w.stranger.pk}",
        OVERSIGHT,
        200,
    ),
    api(
        "api:intake_screen_referral",
        "post",
        lambda w: f"/api/v1/intake/referrals/{w.waiting.pk}/screening",
        HANDLERS,
        201,
        data={"outcome": "deferred", "reason": "Waiting for the order", "version": 1},
    ),
    api(
        "api:intake_enrol",
        "post",
        lambda w: f"/api/v1/intake/referrals/{w.eligible.pk}/enrolment",
        ENROLLERS,
        201,
        data=lambda w: {"version": w.eligible.version},
    ),
    api(
        "api:intake_programme_criteria",
        "get",
        lambda w: "/api/v1/intake/programmes/centre/criteria",
        EVERYONE,
        200,
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


def test_the_api_enrols_only_eligible_referrals(client, world):
    from bahali.accounts import services as accounts

    issued = accounts.issue_api_token(actor=world.world.case_worker, name="t")
    response = client.post(
        f"/api/v1/intake/referrals/{world.waiting.pk}/enrolment",
        {"version": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.secret}",
    )
    assert response.status_code == 409


def test_classification_never_shows_on_pages_of_roles_without_the_grant(client, world):
    """The participant page offers the classification to the roles granted it only."""
    from bahali.testing import sign_in

    for role in Role:
        user = world.world.user_for(role)
        sign_in(client, user)
        response = client.get(f"/participants/{world.classified.code}/")
        if response.status_code == 200:
            shown = b'data-testid="classification-link"' in response.content
            assert shown == (role in CLASSIFIERS), role
            assert b"Black Ridge" not in response.content
        client.logout()
