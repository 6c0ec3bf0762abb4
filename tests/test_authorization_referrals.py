"""Services and referrals: every role against every page, through HTTP.

The cast's civil-society organisation provides the service; its trainer and mentor answer
referrals for it. The stranger case (Bajaur, another lead agency) is in no one's scope but
oversight's; its referral goes to another provider.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.referrals import services as referrals
from bahali.referrals.models import FamilyConsent, Referral, Service
from bahali.testing import OrganisationFactory, PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
READERS = TEAM | {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
WRITERS = TEAM | {Role.PROGRAMME_MANAGER}
PROVIDER = {Role.TRAINER, Role.MENTOR}  # the cast's CSO members
MANAGERS = {Role.PROGRAMME_MANAGER}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}
FAMILY_WRITERS = TEAM  # family_support.write: the case team, psychologist included


@dataclass
class ReferralWorld:
    world: PathwayWorld
    case: Case
    service: Service
    referral: Referral
    accepted: Referral
    stranger_case: Case
    stranger_referral: Referral
    consent: FamilyConsent
    stranger_consent: FamilyConsent


def _consent(world: PathwayWorld, case: Case, kind: str) -> None:
    world.registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose="sharing",
        share_with=kind,
        given_by="self",
        method="signed",
        given_on=world.today,
    )


def _world() -> ReferralWorld:
    world = PathwayWorld()
    both = District.objects.filter(code__in=["SWT", "BJR"])
    service = referrals.register_service(
        actor=SYSTEM,
        provider=world.cso,
        name="Electrician course",
        category="vocational",
        districts=both,
        contact="Mingora",
    )
    other_provider: Organisation = OrganisationFactory(kind="civil_society")  # type: ignore[assignment]
    other = referrals.register_service(
        actor=SYSTEM,
        provider=other_provider,
        name="Legal aid",
        category="legal",
        districts=both,
        contact="Khar",
    )
    case = world.case()
    _consent(world, case, "civil_society")
    referral = referrals.refer(actor=SYSTEM, case=case, service_item=service, need="Training")
    second = world.case()
    _consent(world, second, "civil_society")
    accepted = referrals.refer(actor=SYSTEM, case=second, service_item=service, need="Training")
    referrals.respond_to_referral(actor=SYSTEM, referral=accepted, accept=True)
    stranger = world.stranger_case()
    _consent(world, stranger, "civil_society")
    stranger_referral = referrals.refer(
        actor=SYSTEM, case=stranger, service_item=other, need="CNIC"
    )
    consents = []
    for someone in (case, stranger):
        relative = casework.add_family_member(
            actor=SYSTEM,
            case=someone,
            relationship="mother",
            name="Bibi Gul",
            contact="",
            engagement="active",
            is_guardian=False,
        )
        consents.append(
            referrals.record_family_consent(
                actor=SYSTEM, member=relative, share_with="civil_society", method="signed"
            )
        )
    return ReferralWorld(
        world, case, service, referral, accepted, stranger, stranger_referral, *consents
    )


def _family_plan(w: ReferralWorld) -> dict:
    return {"which": "plan", "needs": "Income", "agreed_on": w.world.today.isoformat()}


PAGES = [
    page("referrals:directory", "get", lambda w: "/services/", EVERYONE, 200),
    page(
        "referrals:directory",
        "post",
        lambda w: "/services/",
        MANAGERS,
        302,
        data=lambda w: {
            "name": "Tailoring",
            "category": "vocational",
            "provider": w.world.cso.pk,
            "districts": [w.world.swat.pk],
            "contact": "Mingora",
        },
    ),
    page(
        "referrals:toggle_service",
        "post",
        lambda w: f"/services/{w.service.pk}/active/",
        MANAGERS,
        302,
    ),
    page("referrals:case", "get", lambda w: f"/cases/{w.case.pk}/referrals/", READERS, 200),
    page(
        "referrals:case",
        "get",
        lambda w: f"/cases/{w.stranger_case.pk}/referrals/",
        OVERSIGHT,
        200,
    ),
    page(
        "referrals:case",
        "post",
        lambda w: f"/cases/{w.case.pk}/referrals/",
        WRITERS,
        200,  # the open referral to this service is refused on the page, nothing changes
        data=lambda w: {"service": w.service.pk, "need": "Again"},
    ),
    page(
        "referrals:case",
        "post",
        lambda w: f"/cases/{w.stranger_case.pk}/referrals/",
        set(),
        200,
        data=lambda w: {"service": w.service.pk, "need": "Again"},
    ),
    page(
        "referrals:cancel",
        "post",
        lambda w: f"/cases/{w.case.pk}/referrals/{w.referral.pk}/withdraw/",
        WRITERS,
        302,
        data={"reason": "No longer needed"},
    ),
    page(
        "referrals:cancel",  # another case's referral through a case in scope
        "post",
        lambda w: f"/cases/{w.case.pk}/referrals/{w.stranger_referral.pk}/withdraw/",
        set(),
        302,
        data={"reason": "No longer needed"},
    ),
    page("referrals:family", "get", lambda w: f"/cases/{w.case.pk}/family-support/", READERS, 200),
    page(
        "referrals:family",
        "get",
        lambda w: f"/cases/{w.stranger_case.pk}/family-support/",
        OVERSIGHT,
        200,
    ),
    page(
        "referrals:family",
        "post",
        lambda w: f"/cases/{w.case.pk}/family-support/",
        FAMILY_WRITERS,
        302,
        data=_family_plan,
    ),
    page(
        "referrals:family",
        "post",
        lambda w: f"/cases/{w.stranger_case.pk}/family-support/",
        set(),
        302,
        data=_family_plan,
    ),
    page(
        "referrals:withdraw_family_consent",
        "post",
        lambda w: f"/cases/{w.case.pk}/family-support/consents/{w.consent.pk}/withdraw/",
        FAMILY_WRITERS,
        302,
    ),
    page(
        "referrals:withdraw_family_consent",  # another case's consent through a case in scope
        "post",
        lambda w: f"/cases/{w.case.pk}/family-support/consents/{w.stranger_consent.pk}/withdraw/",
        set(),
        302,
    ),
    page("referrals:inbox", "get", lambda w: "/referrals/received/", TEAM, 200),
    page(
        "referrals:respond",
        "post",
        lambda w: f"/referrals/{w.referral.pk}/answer/",
        PROVIDER,
        302,
        data=lambda w: {"decision": "accept", "version": w.referral.version},
    ),
    page(
        "referrals:respond",
        "post",
        lambda w: f"/referrals/{w.stranger_referral.pk}/answer/",
        set(),
        302,
        data=lambda w: {"decision": "accept", "version": 1},
    ),
    page(
        "referrals:complete",
        "post",
        lambda w: f"/referrals/{w.accepted.pk}/complete/",
        PROVIDER,
        302,
        data=lambda w: {
            "feedback": "Passed",
            "completed_on": w.world.today.isoformat(),
            "version": w.accepted.version,
        },
    ),
]
API = [
    api("api:list_services", "get", lambda w: "/api/v1/services?district=SWT", EVERYONE, 200),
    api(
        "api:list_case_referrals",
        "get",
        lambda w: f"/api/v1/cases/{w.case.pk}/referrals",
        READERS,
        200,
    ),
    api(
        "api:list_case_referrals",
        "get",
        lambda w: f"/api/v1/cases/{w.stranger_case.pk}/referrals",
        OVERSIGHT,
        200,
    ),
    api(
        "api:create_referral",
        "post",
        lambda w: f"/api/v1/cases/{w.case.pk}/referrals",
        WRITERS,
        422,  # a referral to this service is open already: refused, nothing changes
        data=lambda w: {"service_id": w.service.pk, "need": "Again"},
    ),
    api(
        "api:create_referral",
        "post",
        lambda w: f"/api/v1/cases/{w.stranger_case.pk}/referrals",
        set(),
        201,
        data=lambda w: {"service_id": w.service.pk, "need": "Training"},
    ),
    api(
        "api:withdraw_referral",
        "post",
        lambda w: f"/api/v1/cases/{w.case.pk}/referrals/{w.referral.pk}/withdrawal",
        WRITERS,
        200,
        data={"reason": "Found work"},
    ),
    api(
        "api:list_received_referrals", "get", lambda w: "/api/v1/referrals/received", EVERYONE, 200
    ),
    api(
        "api:answer_referral",
        "post",
        lambda w: f"/api/v1/referrals/{w.referral.pk}/answer",
        PROVIDER,
        200,
        data=lambda w: {"accept": True, "version": w.referral.version},
    ),
    api(
        "api:answer_referral",
        "post",
        lambda w: f"/api/v1/referrals/{w.stranger_referral.pk}/answer",
        set(),
        200,
        data={"accept": True, "version": 1},
    ),
    api(
        "api:complete_received_referral",
        "post",
        lambda w: f"/api/v1/referrals/{w.accepted.pk}/completion",
        PROVIDER,
        200,
        data=lambda w: {"feedback": "Passed", "version": w.accepted.version},
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
